package io.heapscope.telemetry.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.events.StackFilter;

/**
 * Fields every allocator event carries. Java events are enabled by default, so a recording the user starts in any
 * way ({@code -XX:StartFlightRecording}, {@code jcmd JFR.start}, JMC) records them as soon as a verbosity flag makes
 * the allocator emit them; {@code heapscope.jfc} only tunes stack traces and thresholds.
 *
 * <p>{@link StackFilter} (the JDK's own mechanism, also used by its jdk.* events) drops Heapscope's frames from the
 * top of each stack trace, so the first frame is the application's call of {@code malloc}/{@code free}.
 */
@Category({"Heapscope", "Allocator"})
@StackFilter({"io.heapscope.allocator.HeapAllocator", "io.heapscope.allocator.MpsBuffer",
        "io.heapscope.allocator.AllocatorEvents", "io.heapscope.telemetry.jfr.JfrAllocatorListener"})
abstract class AllocatorJfrEvent extends Event {
    @Label("Allocator Id")
    @Description("Number of the allocator within the JVM, from 1 in creation order")
    long allocatorId;

    @Label("Allocator")
    @Description("The allocator's name (set with HeapAllocator.builder(device).name(...), default heapscope-<id>)")
    String allocatorName;

    @Label("Pool")
    @Description("Allocator pool: PRIVATE_SMALL, PRIVATE_LARGE, SHARED_SMALL, SHARED_LARGE or SCALAR")
    String pool;

    @Label("Total Reserved")
    @Description("Allocator-wide bytes of heaps after the event")
    @DataAmount
    long totalReserved;

    @Label("Total In Use")
    @Description("Allocator-wide bytes handed out and not freed, after the event")
    @DataAmount
    long totalInUse;

    /** The fields every allocator event has. */
    final void setCommon(io.heapscope.allocator.event.AllocatorEvent e) {
        allocatorId = e.allocator().id();
        allocatorName = e.allocator().name();
        pool = e.pool().name();
        totalReserved = e.totalReserved();
        totalInUse = e.totalInUse();
    }
}

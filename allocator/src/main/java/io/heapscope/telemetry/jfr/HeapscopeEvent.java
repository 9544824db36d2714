package io.heapscope.telemetry.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;

/** Fields every Heapscope event carries. */
@Category({"Heapscope", "Memory"})
abstract class HeapscopeEvent extends Event {
    @Label("Framework")
    @Description("Who owns the memory: heapscope for the allocator, else the hooked framework")
    String framework;

    @Label("Pool")
    @Description("Allocator pool (e.g. PRIVATE_LARGE) or the framework's pool or arena")
    String pool;

    @Label("Storage Mode")
    @Description("shared or private; empty where it does not apply")
    String storageMode;

    @Label("Total Reserved")
    @Description("Allocator-wide bytes of heaps after the event")
    @DataAmount
    long totalReserved;

    @Label("Total In Use")
    @Description("Allocator-wide bytes handed out and not freed, after the event")
    @DataAmount
    long totalInUse;
}

package io.heapscope.telemetry.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Periodic per-pool statistics of every live allocator with PROFILING set. */
@Name("heapscope.PoolStatistics")
@Label("Pool Statistics")
@Description("Per-pool statistics of each live Heapscope allocator with the PROFILING flag, every period")
@Category({"Heapscope", "Memory"})
@Period("1 s")
@StackTrace(false)
public final class PoolStatisticsEvent extends Event {
    @Label("Allocator")
    @Description("Identity of the allocator within the JVM")
    int allocator;

    @Label("Pool")
    String pool;

    @Label("Reserved")
    @Description("Bytes of the pool's heaps")
    @DataAmount
    long reserved;

    @Label("In Use")
    @DataAmount
    long inUse;

    @Label("Cached")
    @DataAmount
    long cached;

    @Label("Heaps")
    int heaps;

    @Label("Buffers")
    int buffers;

    @Label("Cached Buffers")
    int cachedBuffers;

    @Label("Pending Free")
    @Description("Buffers freed by their user but still held by the device")
    int pendingFree;

    @Label("High Watermark Limit")
    @DataAmount
    long highWatermarkLimit;

    @Label("Low Watermark Limit")
    @DataAmount
    long lowWatermarkLimit;
}

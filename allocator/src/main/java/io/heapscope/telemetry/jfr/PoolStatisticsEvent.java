package io.heapscope.telemetry.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Percentage;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

@Name("heapscope.PoolStatistics")
@Label("Pool Statistics")
@Description("Per-pool statistics of each live Heapscope allocator with the PROFILING flag, every period")
@Category({"Heapscope", "Allocator"})
@Period("1 s")
@StackTrace(false)
public final class PoolStatisticsEvent extends Event {
    @Label("Allocator Id")
    long allocatorId;

    @Label("Allocator")
    String allocatorName;

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

    @Label("Pending Free Bytes")
    @DataAmount
    long pendingFreeBytes;

    @Label("High Watermark Limit")
    @Description("Long.MAX_VALUE when disabled")
    @DataAmount
    long highWatermarkLimit;

    @Label("Low Watermark Limit")
    @Description("Long.MAX_VALUE when disabled")
    @DataAmount
    long lowWatermarkLimit;

    @Label("Device Allocated")
    @Description("Bytes the device has allocated for the process")
    @DataAmount
    long deviceAllocated;

    @Label("Fragmentation")
    @Description("1 - largest free extent / free bytes of the pool's heaps")
    @Percentage
    double fragmentation;
}

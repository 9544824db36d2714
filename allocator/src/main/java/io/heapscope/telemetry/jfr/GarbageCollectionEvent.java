package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.GarbageCollection")
@Label("Garbage Collection")
@Description("A pass releasing aged cached buffers under memory pressure")
@StackTrace(false)
public final class GarbageCollectionEvent extends AllocatorJfrEvent {
    @Label("Freed Buffers")
    long freedBuffers;

    @Label("Reclaimed")
    @DataAmount
    long reclaimedBytes;

    @Label("Target")
    @Description("Bytes it tried to reclaim, to get below the low watermark")
    @DataAmount
    long targetBytes;
}

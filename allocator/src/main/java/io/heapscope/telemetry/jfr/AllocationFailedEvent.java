package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.AllocationFailed")
@Label("Allocation Failed")
@Description("An allocation that ran out of memory")
@StackTrace(true)
public final class AllocationFailedEvent extends AllocatorJfrEvent {
    @Label("Requested Size")
    @DataAmount
    long requestedSize;

    @Label("Aligned Size")
    @DataAmount
    long alignedSize;

    @Label("High Watermark")
    @Description("True when the high watermark limit is enabled")
    boolean highWatermark;

    @Label("Message")
    String message;
}

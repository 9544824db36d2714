package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** An allocation that failed: out of memory or high watermark reached. */
@Name("heapscope.AllocationFailed")
@Label("Allocation Failed")
@Description("An allocation that failed: out of memory or high watermark reached")
@StackTrace(true)
public final class AllocationFailedEvent extends HeapscopeEvent {
    @Label("Requested Size")
    @DataAmount
    long requestedSize;

    @Label("Aligned Size")
    @DataAmount
    long alignedSize;

    @Label("High Watermark")
    @Description("True when the high watermark limit was in force")
    boolean highWatermark;

    @Label("Message")
    String message;
}

package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** Large allocations crossed the low watermark (pressure entered) or came back below it (left). */
@Name("heapscope.MemoryPressure")
@Label("Memory Pressure")
@Description("Large allocations crossed the low watermark (entered) or came back below it (left)")
@StackTrace(false)
public final class MemoryPressureEvent extends HeapscopeEvent {
    @Label("Entered")
    boolean entered;

    @Label("Low Watermark Limit")
    @DataAmount
    long lowWatermarkLimit;

    @Label("Device Allocated")
    @Description("Bytes the device had allocated for the process")
    @DataAmount
    long deviceAllocated;
}

package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.MemoryPressure")
@Label("Memory Pressure")
@Description("The device crossed the low watermark: pressure entered or left")
@StackTrace(false)
public final class MemoryPressureEvent extends AllocatorJfrEvent {
    @Label("Entered")
    @Description("True when pressure began, false when it ended")
    boolean entered;

    @Label("Low Watermark Limit")
    @DataAmount
    long lowWatermarkLimit;

    @Label("Device Allocated")
    @Description("Bytes the device had allocated for the process at the crossing")
    @DataAmount
    long deviceAllocated;
}

package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.HeapReleased")
@Label("Heap Released")
@Description("A heap given back to the device")
@StackTrace(false)
public final class HeapReleasedEvent extends AllocatorJfrEvent {
    @Label("Heap Id")
    long heapId;

    @Label("Heap Size")
    @DataAmount
    long heapSize;

    @Label("Heaps In Pool")
    @Description("Heaps of the pool after the event")
    int heapCount;

    @Label("Retain Count")
    @Description("Device retain count of the heap at the event")
    int retainCount;
}

package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.HeapAllocated")
@Label("Heap Allocated")
@Description("A new heap obtained from the device")
@StackTrace(true)
public final class HeapAllocatedEvent extends AllocatorJfrEvent {
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

    @Label("Requested Size")
    @Description("The buffer size the heap was created for")
    @DataAmount
    long requestedSize;
}

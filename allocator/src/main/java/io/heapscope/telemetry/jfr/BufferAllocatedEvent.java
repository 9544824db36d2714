package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.BufferAllocated")
@Label("Buffer Allocated")
@Description("A new buffer carved from a heap")
@StackTrace(true)
public final class BufferAllocatedEvent extends AllocatorBufferJfrEvent {
    @Label("Heap Available")
    @Description("Bytes still placeable in the heap after the event")
    @DataAmount
    long heapAvailable;
}

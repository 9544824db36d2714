package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A new heap (or framework chunk) obtained from the device or system. */
@Name("heapscope.HeapAllocated")
@Label("Heap Allocated")
@Description("A new heap (or framework chunk) obtained from the device or system")
@StackTrace(true)
public final class HeapAllocatedEvent extends HeapEvent {
    @Label("Requested Size")
    @Description("Size of the buffer request that made the heap necessary")
    @DataAmount
    long requestedSize;
}

package io.heapscope.telemetry.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.BufferReleased")
@Label("Buffer Released")
@Description("A buffer given back to its heap")
@StackTrace(false)
public final class BufferReleasedEvent extends AllocatorBufferJfrEvent {
    @Label("GC Age")
    @Description("Large-pool allocation rounds the buffer spent idle in the cache")
    int gcAge;

    @Label("Heap Available")
    @Description("Bytes still placeable in the heap after the event")
    @DataAmount
    long heapAvailable;
}

package io.heapscope.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.BufferRecycled")
@Label("Buffer Recycled")
@Description("A cached buffer handed out again")
@StackTrace(true)
public final class BufferRecycledEvent extends AllocatorBufferJfrEvent {
    @Label("GC Age")
    @Description("Large-pool allocation rounds the buffer spent idle in the cache")
    int gcAge;
}

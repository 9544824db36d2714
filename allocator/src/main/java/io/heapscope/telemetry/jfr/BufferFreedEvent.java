package io.heapscope.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

@Name("heapscope.BufferFreed")
@Label("Buffer Freed")
@Description("A buffer returned by its user to its pool (pending while retain count > 1)")
@StackTrace(true)
public final class BufferFreedEvent extends AllocatorBufferJfrEvent {

}

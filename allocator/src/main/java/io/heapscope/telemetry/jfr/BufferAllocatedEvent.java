package io.heapscope.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A new buffer carved from a heap, or new memory obtained by a framework. */
@Name("heapscope.BufferAllocated")
@Label("Buffer Allocated")
@Description("A new buffer carved from a heap, or new memory obtained by a framework")
@Enabled(false)
@StackTrace(true)
public final class BufferAllocatedEvent extends BufferEvent {
}

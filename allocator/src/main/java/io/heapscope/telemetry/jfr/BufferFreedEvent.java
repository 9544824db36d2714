package io.heapscope.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A buffer returned by its user to its pool or cache. */
@Name("heapscope.BufferFreed")
@Label("Buffer Freed")
@Description("A buffer returned by its user to its pool or cache")
@Enabled(false)
@StackTrace(false)
public final class BufferFreedEvent extends BufferEvent {
}

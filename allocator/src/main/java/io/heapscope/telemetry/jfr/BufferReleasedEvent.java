package io.heapscope.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A buffer given back to its heap or to the system. */
@Name("heapscope.BufferReleased")
@Label("Buffer Released")
@Description("A buffer given back to its heap or to the system")
@Enabled(false)
@StackTrace(false)
public final class BufferReleasedEvent extends BufferEvent {
}

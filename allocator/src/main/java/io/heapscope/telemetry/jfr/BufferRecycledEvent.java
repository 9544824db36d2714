package io.heapscope.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A cached buffer handed out again. */
@Name("heapscope.BufferRecycled")
@Label("Buffer Recycled")
@Description("A cached buffer handed out again")
@Enabled(false)
@StackTrace(false)
public final class BufferRecycledEvent extends BufferEvent {
}

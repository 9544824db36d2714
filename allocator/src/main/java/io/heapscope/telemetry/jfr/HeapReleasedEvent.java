package io.heapscope.telemetry.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A heap (or framework chunk) given back to the device or system. */
@Name("heapscope.HeapReleased")
@Label("Heap Released")
@Description("A heap (or framework chunk) given back to the device or system")
@StackTrace(false)
public final class HeapReleasedEvent extends HeapEvent {
}

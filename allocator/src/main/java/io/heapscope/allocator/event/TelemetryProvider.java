package io.heapscope.allocator.event;

import io.heapscope.allocator.HeapAllocator;

/**
 * A telemetry back end that can attach itself to an allocator: JFR events, OpenTelemetry spans and metrics, the
 * seed's log lines. Found with {@link java.util.ServiceLoader}, so the allocator core names none of them; chosen by
 * {@link #name()} through {@code heapscope.sinks} / {@code HEAPSCOPE_SINKS} or the builder's {@code sinks(...)}.
 */
public interface TelemetryProvider {

    /** The name users select it by, lower case: {@code jfr}, {@code otel}, {@code log}. */
    String name();

    /**
     * Attaches to a fully built allocator (adding listeners, registering metrics) and returns what undoes it; the
     * allocator closes that when it is closed or becomes unreachable.
     */
    AutoCloseable attach(HeapAllocator allocator);
}

package io.heapscope.telemetry.otel;

import io.heapscope.telemetry.MemoryEvent;
import io.heapscope.telemetry.MemoryEventKind;
import io.heapscope.telemetry.MemoryEventSink;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import static io.heapscope.telemetry.otel.HeapscopeAttributes.*;

/**
 * One span per memory event, named {@code heapscope.<kind>} (e.g. {@code heapscope.buffer.allocated}), started and
 * ended at the event, parented to the caller's current {@link Context} so an allocation appears inside the request
 * span that caused it. Attributes: {@link HeapscopeAttributes}; zero-valued numbers are left out.
 */
public final class OtelSpanSink implements MemoryEventSink {
    /** Instrumentation scope name. */
    public static final String SCOPE = "io.heapscope";
    private static final Map<MemoryEventKind, String> NAMES = new EnumMap<>(MemoryEventKind.class);

    static {
        for (MemoryEventKind k : MemoryEventKind.values()) {
            NAMES.put(k, spanName(k));
        }
    }

    private final Tracer tracer;

    public OtelSpanSink(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer(SCOPE, "0.1.0");
    }

    /** {@code heapscope.buffer.allocated}, {@code heapscope.heap.released}, {@code heapscope.garbage_collection}, ... */
    public static String spanName(MemoryEventKind kind) {
        String n = kind.name().toLowerCase(Locale.ROOT);
        if (n.startsWith("buffer_") || n.startsWith("heap_") || n.startsWith("memory_")) {
            n = n.replaceFirst("_", ".");
        }
        return "heapscope." + n;
    }

    @Override
    public void accept(MemoryEvent e) {
        AttributesBuilder a = Attributes.builder()
                .put(FRAMEWORK, e.framework())
                .put(POOL, e.pool());
        putString(a, STORAGE_MODE, e.storageMode());
        put(a, BUFFER_ID, e.bufferId());
        put(a, HEAP_ID, e.heapId());
        put(a, SIZE_REQUESTED, e.requestedSize());
        put(a, SIZE_ALIGNED, e.alignedSize());
        put(a, ADDRESS, e.address());
        put(a, USE_COUNT, e.useCount());
        put(a, RETAIN_COUNT, e.retainCount());
        put(a, GC_AGE, e.gcAge());
        put(a, HEAP_AVAILABLE, e.heapAvailable());
        put(a, COUNT, e.count());
        put(a, RECLAIMED, e.reclaimedBytes());
        put(a, TARGET, e.targetBytes());
        a.put(TOTAL_RESERVED, e.totalReserved()).put(TOTAL_IN_USE, e.totalInUse());
        if (e.kind() == MemoryEventKind.MEMORY_PRESSURE || e.kind() == MemoryEventKind.ALLOCATION_FAILED) {
            a.put(PRESSURE, e.pressure());
        }
        Span span = tracer.spanBuilder(NAMES.get(e.kind()))
                .setParent(Context.current())
                .setSpanKind(SpanKind.INTERNAL)
                .setAllAttributes(a.build())
                .startSpan();
        if (e.kind() == MemoryEventKind.ALLOCATION_FAILED) {
            span.setStatus(StatusCode.ERROR, e.message());
        }
        span.end();
    }

    private static void put(AttributesBuilder a, io.opentelemetry.api.common.AttributeKey<Long> key, long value) {
        if (value != 0) {
            a.put(key, value);
        }
    }

    private static void putString(AttributesBuilder a, io.opentelemetry.api.common.AttributeKey<String> key, String value) {
        if (!value.isEmpty()) {
            a.put(key, value);
        }
    }
}

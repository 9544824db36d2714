package io.heapscope.telemetry.otel;

import io.heapscope.allocator.event.AllocatorEvent;
import io.heapscope.allocator.event.AllocatorListener;
import io.heapscope.allocator.event.EventKind;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import static io.heapscope.telemetry.otel.HeapscopeAttributes.*;

/**
 * One span per allocator event, named {@code heapscope.<kind>} (e.g. {@code heapscope.buffer.allocated}), started
 * and ended at the event, parented to the caller's current {@link Context} so an allocation appears inside the
 * request span that caused it. Attributes ({@link HeapscopeAttributes}) are set one by one on the span builder:
 * building an {@code Attributes} first sorted the keys on every event. An allocation failure ends with ERROR status.
 */
public final class OtelSpanListener implements AllocatorListener {
    /** Instrumentation scope name. */
    public static final String SCOPE = "io.heapscope";
    private static final Map<EventKind, String> NAMES = new EnumMap<>(EventKind.class);

    static {
        for (EventKind k : EventKind.values()) {
            NAMES.put(k, spanName(k));
        }
    }

    private final SpanPolicy.Gate gate;
    private final LazyTracer tracer;

    /**
     * Spans to the OpenTelemetry the supplier gives at the first event (e.g. the global one once it is set), for the
     * events the policy admits.
     */
    public OtelSpanListener(Supplier<OpenTelemetry> openTelemetry, SpanPolicy policy) {
        this.tracer = new LazyTracer(openTelemetry, SCOPE, "0.1.0");
        this.gate = policy.gate();
    }

    public OtelSpanListener(OpenTelemetry openTelemetry, SpanPolicy policy) {
        this(() -> openTelemetry, policy);
    }

    /** Allocation failures always pass; other events only as the span policy admits them. */
    @Override
    public boolean isEnabled(EventKind kind) {
        return kind == EventKind.ALLOCATION_FAILED || gate.eligible();
    }

    /** Events the rate limit turned away so far. */
    public long droppedByRateLimit() {
        return gate.dropped();
    }

    /** {@code heapscope.buffer.allocated}, {@code heapscope.heap.released}, {@code heapscope.garbage_collection}, ... */
    public static String spanName(EventKind kind) {
        String n = kind.name().toLowerCase(Locale.ROOT);
        if (n.startsWith("buffer_") || n.startsWith("heap_") || n.startsWith("memory_")) {
            n = n.replaceFirst("_", ".");
        }
        return "heapscope." + n;
    }


    @Override
    public void onEvent(AllocatorEvent event) {
        if (event.kind() != EventKind.ALLOCATION_FAILED && !gate.take()) {
            return; // sampled out or over the rate limit; failures never are
        }
        Tracer t = tracer.get();
        if (t == null) {
            return;
        }
        SpanBuilder b = t.spanBuilder(NAMES.get(event.kind()))
                .setParent(Context.current())
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(ALLOCATOR_ID, event.allocator().id())
                .setAttribute(ALLOCATOR_NAME, event.allocator().name())
                .setAttribute(POOL, event.pool().name());
        String failure = null;
        switch (event) {
            case AllocatorEvent.BufferAllocated e -> buffer(b, e).setAttribute(HEAP_AVAILABLE, e.heapAvailable());
            case AllocatorEvent.BufferRecycled e -> buffer(b, e).setAttribute(GC_AGE, e.gcAge());
            case AllocatorEvent.BufferFreed e -> buffer(b, e);
            case AllocatorEvent.BufferReleased e -> buffer(b, e).setAttribute(GC_AGE, e.gcAge())
                    .setAttribute(HEAP_AVAILABLE, e.heapAvailable());
            case AllocatorEvent.HeapAllocated e -> b.setAttribute(HEAP_ID, e.heapId())
                    .setAttribute(HEAP_SIZE, e.heapSize()).setAttribute(SIZE_REQUESTED, e.requestedSize())
                    .setAttribute(HEAP_COUNT, e.heapCount()).setAttribute(RETAIN_COUNT, e.retainCount());
            case AllocatorEvent.HeapReleased e -> b.setAttribute(HEAP_ID, e.heapId())
                    .setAttribute(HEAP_SIZE, e.heapSize()).setAttribute(HEAP_COUNT, e.heapCount())
                    .setAttribute(RETAIN_COUNT, e.retainCount());
            case AllocatorEvent.GarbageCollection e -> b.setAttribute(COUNT, e.freedBuffers())
                    .setAttribute(RECLAIMED, e.reclaimedBytes()).setAttribute(TARGET, e.targetBytes());
            case AllocatorEvent.AllocationFailed e -> {
                b.setAttribute(SIZE_REQUESTED, e.requestedSize()).setAttribute(SIZE_ALIGNED, e.alignedSize())
                        .setAttribute(PRESSURE, e.highWatermark());
                failure = e.message();
            }
            case AllocatorEvent.MemoryPressure e -> b.setAttribute(PRESSURE, e.entered())
                    .setAttribute(TARGET, e.lowWatermarkLimit()).setAttribute(SIZE_ALIGNED, e.deviceAllocated());
        }
        b.setAttribute(TOTAL_RESERVED, event.totalReserved()).setAttribute(TOTAL_IN_USE, event.totalInUse());
        Span span = b.startSpan();
        if (failure != null) {
            span.setStatus(StatusCode.ERROR, failure);
        }
        span.end();
    }

    private static SpanBuilder buffer(SpanBuilder b, AllocatorEvent.BufferEvent e) {
        b.setAttribute(BUFFER_ID, e.bufferId()).setAttribute(HEAP_ID, e.heapId()).setAttribute(ADDRESS, e.address())
                .setAttribute(SIZE_ALIGNED, e.alignedSize()).setAttribute(USE_COUNT, e.useCount())
                .setAttribute(RETAIN_COUNT, e.retainCount());
        if (e.requestedSize() != 0) {
            b.setAttribute(SIZE_REQUESTED, e.requestedSize());
        }
        return b;
    }
}

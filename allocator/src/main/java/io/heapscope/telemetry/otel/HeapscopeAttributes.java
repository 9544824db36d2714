package io.heapscope.telemetry.otel;

import io.opentelemetry.api.common.AttributeKey;

/** Span and metric attribute keys (the reference table in docs/telemetry.md is checked against these). */
public final class HeapscopeAttributes {
    public static final AttributeKey<String> FRAMEWORK = AttributeKey.stringKey("heapscope.framework");
    public static final AttributeKey<String> POOL = AttributeKey.stringKey("heapscope.pool");
    public static final AttributeKey<Long> ALLOCATOR_ID = AttributeKey.longKey("heapscope.allocator.id");
    public static final AttributeKey<String> ALLOCATOR_NAME = AttributeKey.stringKey("heapscope.allocator.name");
    public static final AttributeKey<String> STORAGE_MODE = AttributeKey.stringKey("heapscope.storage_mode");
    public static final AttributeKey<Long> BUFFER_ID = AttributeKey.longKey("heapscope.buffer.id");
    public static final AttributeKey<Long> HEAP_ID = AttributeKey.longKey("heapscope.heap.id");
    public static final AttributeKey<Long> SIZE_REQUESTED = AttributeKey.longKey("heapscope.size.requested");
    public static final AttributeKey<Long> SIZE_ALIGNED = AttributeKey.longKey("heapscope.size.aligned");
    public static final AttributeKey<Long> ADDRESS = AttributeKey.longKey("heapscope.address");
    public static final AttributeKey<Long> USE_COUNT = AttributeKey.longKey("heapscope.use_count");
    public static final AttributeKey<Long> RETAIN_COUNT = AttributeKey.longKey("heapscope.retain_count");
    public static final AttributeKey<Long> GC_AGE = AttributeKey.longKey("heapscope.gc_age");
    public static final AttributeKey<Long> HEAP_AVAILABLE = AttributeKey.longKey("heapscope.heap.available");
    public static final AttributeKey<Long> TOTAL_RESERVED = AttributeKey.longKey("heapscope.total.reserved");
    public static final AttributeKey<Long> TOTAL_IN_USE = AttributeKey.longKey("heapscope.total.in_use");
    public static final AttributeKey<Long> COUNT = AttributeKey.longKey("heapscope.count");
    public static final AttributeKey<Long> HEAP_SIZE = AttributeKey.longKey("heapscope.heap.size");
    public static final AttributeKey<Long> HEAP_COUNT = AttributeKey.longKey("heapscope.heap.count");
    public static final AttributeKey<Long> RECLAIMED = AttributeKey.longKey("heapscope.gc.reclaimed");
    public static final AttributeKey<Long> TARGET = AttributeKey.longKey("heapscope.gc.target");
    public static final AttributeKey<Boolean> PRESSURE = AttributeKey.booleanKey("heapscope.pressure");
    /** Metric attribute: allocation outcome, "new" or "recycled". */
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("heapscope.outcome");
    /** Metric attribute: watermark, "high" or "low". */
    public static final AttributeKey<String> WATERMARK = AttributeKey.stringKey("heapscope.watermark");

    private HeapscopeAttributes() {
    }
}

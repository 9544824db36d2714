package io.heapscope.telemetry.otel;

import io.heapscope.allocator.AllocatorSnapshot;
import io.heapscope.allocator.AllocatorStatistics;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.PoolSnapshot;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;

import java.lang.ref.WeakReference;

import static io.heapscope.telemetry.otel.HeapscopeAttributes.ALLOCATOR_ID;
import static io.heapscope.telemetry.otel.HeapscopeAttributes.ALLOCATOR_NAME;
import static io.heapscope.telemetry.otel.HeapscopeAttributes.OUTCOME;
import static io.heapscope.telemetry.otel.HeapscopeAttributes.POOL;
import static io.heapscope.telemetry.otel.HeapscopeAttributes.WATERMARK;

/**
 * OpenTelemetry metrics of one allocator: one batch callback that takes one {@link HeapAllocator#snapshot()} per
 * collection (one lock acquisition for all instruments), recording only while the allocator's verbosity has
 * PROFILING. Every measurement carries the allocator's id and name, so two allocators never sum or collide. Names use
 * dots and a unit, so the Prometheus exporter yields e.g. {@code heapscope_memory_reserved_bytes}. Holds the allocator
 * weakly; {@link #close()} removes the callback.
 */
public final class AllocatorMetrics implements AutoCloseable {
    /** Metric names (checked against docs/telemetry.md). */
    public static final String RESERVED = "heapscope.memory.reserved";
    public static final String IN_USE = "heapscope.memory.in_use";
    public static final String CACHED = "heapscope.memory.cached";
    public static final String FRAGMENTATION = "heapscope.memory.fragmentation";
    public static final String HEAPS = "heapscope.heaps";
    public static final String BUFFERS = "heapscope.buffers";
    public static final String ALLOCATIONS = "heapscope.allocations";
    public static final String FREES = "heapscope.frees";
    public static final String RELEASES = "heapscope.releases";
    public static final String GC_RECLAIMED = "heapscope.gc.reclaimed";
    public static final String OOMS = "heapscope.out_of_memory";
    public static final String WATERMARK_LIMIT = "heapscope.watermark.limit";
    public static final String PRESSURE = "heapscope.memory.pressure";

    private final BatchCallback callback;

    public AllocatorMetrics(HeapAllocator allocator, OpenTelemetry openTelemetry) {
        this(allocator, openTelemetry, false);
    }

    /** @param always record whatever the verbosity (not only under PROFILING) */
    public AllocatorMetrics(HeapAllocator allocator, OpenTelemetry openTelemetry, boolean always) {
        WeakReference<HeapAllocator> ref = new WeakReference<>(allocator);
        Meter meter = openTelemetry.getMeter(OtelSpanListener.SCOPE);
        ObservableLongMeasurement reserved = meter.upDownCounterBuilder(RESERVED).setUnit("By")
                .setDescription("Bytes of heaps per pool").buildObserver();
        ObservableLongMeasurement inUse = meter.upDownCounterBuilder(IN_USE).setUnit("By")
                .setDescription("Bytes handed out and not freed, per pool").buildObserver();
        ObservableLongMeasurement cached = meter.upDownCounterBuilder(CACHED).setUnit("By")
                .setDescription("Bytes of cached buffers ready for reuse, per pool").buildObserver();
        ObservableDoubleMeasurement fragmentation = meter.gaugeBuilder(FRAGMENTATION).setUnit("1")
                .setDescription("1 - largest free extent / free bytes of the pool's heaps").buildObserver();
        ObservableLongMeasurement heaps = meter.upDownCounterBuilder(HEAPS).setUnit("{heap}")
                .setDescription("Heaps per pool").buildObserver();
        ObservableLongMeasurement buffers = meter.upDownCounterBuilder(BUFFERS).setUnit("{buffer}")
                .setDescription("Buffers (in use and cached) per pool").buildObserver();
        ObservableLongMeasurement allocations = meter.counterBuilder(ALLOCATIONS).setUnit("{allocation}")
                .setDescription("Allocations by outcome: new buffer or recycled").buildObserver();
        ObservableLongMeasurement frees = meter.counterBuilder(FREES).setUnit("{buffer}")
                .setDescription("Buffers freed to their pool").buildObserver();
        ObservableLongMeasurement releases = meter.counterBuilder(RELEASES).setUnit("{buffer}")
                .setDescription("Buffers released to their heap").buildObserver();
        ObservableLongMeasurement gcReclaimed = meter.counterBuilder(GC_RECLAIMED).setUnit("By")
                .setDescription("Bytes released by garbage collection").buildObserver();
        ObservableLongMeasurement ooms = meter.counterBuilder(OOMS).setUnit("{error}")
                .setDescription("Allocations that ran out of memory").buildObserver();
        ObservableLongMeasurement watermark = meter.gaugeBuilder(WATERMARK_LIMIT).ofLongs().setUnit("By")
                .setDescription("High and low watermark limits (absent when disabled)").buildObserver();
        ObservableLongMeasurement pressure = meter.gaugeBuilder(PRESSURE).ofLongs().setUnit("1")
                .setDescription("1 while the device holds more than the low watermark, else 0").buildObserver();
        this.callback = meter.batchCallback(() -> {
            HeapAllocator a = ref.get();
            if (a == null || a.isClosed() || !(always || DebugVerbosity.PROFILING.isSet(a.getDebugVerbosity()))) {
                return;
            }
            AllocatorSnapshot s = a.snapshot();
            Attributes id = Attributes.of(ALLOCATOR_ID, s.id().id(), ALLOCATOR_NAME, s.id().name());
            for (PoolSnapshot p : s.pools()) {
                Attributes pool = id.toBuilder().put(POOL, p.kind().name()).build();
                reserved.record(p.reserved(), pool);
                inUse.record(p.inUse(), pool);
                cached.record(p.cached(), pool);
                fragmentation.record(p.fragmentation(), pool);
                heaps.record(p.heaps(), pool);
                buffers.record(p.buffers(), pool);
            }
            AllocatorStatistics st = s.stats();
            allocations.record(st.buffersAllocated(), id.toBuilder().put(OUTCOME, "new").build());
            allocations.record(st.buffersRecycled(), id.toBuilder().put(OUTCOME, "recycled").build());
            frees.record(st.buffersFreed(), id);
            releases.record(st.buffersReleased(), id);
            gcReclaimed.record(st.gcReclaimedBytes(), id);
            ooms.record(st.outOfMemory(), id);
            if (s.highWatermarkLimit() != Long.MAX_VALUE) {
                watermark.record(s.highWatermarkLimit(), id.toBuilder().put(WATERMARK, "high").build());
            }
            if (s.lowWatermarkLimit() != Long.MAX_VALUE) {
                watermark.record(s.lowWatermarkLimit(), id.toBuilder().put(WATERMARK, "low").build());
            }
            pressure.record(s.underPressure() ? 1 : 0, id);
        }, reserved, inUse, cached, fragmentation, heaps, buffers, allocations, frees, releases, gcReclaimed, ooms,
                watermark, pressure);
    }

    @Override
    public void close() {
        callback.close();
    }
}

package io.heapscope.telemetry.otel;

import io.heapscope.allocator.AllocatorStatistics;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.PoolSnapshot;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

import static io.heapscope.telemetry.otel.HeapscopeAttributes.OUTCOME;
import static io.heapscope.telemetry.otel.HeapscopeAttributes.POOL;
import static io.heapscope.telemetry.otel.HeapscopeAttributes.WATERMARK;

/**
 * OpenTelemetry metrics of one allocator, observed from its snapshots and statistics at each collection, and only
 * while its verbosity has PROFILING. Names use dots and a unit, so the Prometheus exporter yields e.g.
 * {@code heapscope_memory_reserved_bytes}. Counters restart if {@link HeapAllocator#resetAccumulatedStats()} is
 * called. Holds the allocator weakly; {@link #close()} removes the instruments.
 */
public final class AllocatorMetrics implements AutoCloseable {
    /** Metric names (checked against docs/telemetry.md). */
    public static final String RESERVED = "heapscope.memory.reserved";
    public static final String IN_USE = "heapscope.memory.in_use";
    public static final String CACHED = "heapscope.memory.cached";
    public static final String HEAPS = "heapscope.heaps";
    public static final String BUFFERS = "heapscope.buffers";
    public static final String ALLOCATIONS = "heapscope.allocations";
    public static final String FREES = "heapscope.frees";
    public static final String RELEASES = "heapscope.releases";
    public static final String GC_RECLAIMED = "heapscope.gc.reclaimed";
    public static final String OOMS = "heapscope.out_of_memory";
    public static final String WATERMARK_LIMIT = "heapscope.watermark.limit";
    public static final String PRESSURE = "heapscope.memory.pressure";

    private final List<AutoCloseable> instruments = new ArrayList<>();

    public AllocatorMetrics(HeapAllocator allocator, OpenTelemetry openTelemetry) {
        WeakReference<HeapAllocator> ref = new WeakReference<>(allocator);
        Meter meter = openTelemetry.getMeter(OtelSpanSink.SCOPE);
        instruments.add(meter.upDownCounterBuilder(RESERVED).setUnit("By")
                .setDescription("Bytes of heaps per pool").buildWithCallback(m -> pools(ref, (p) ->
                        m.record(p.reserved(), Attributes.of(POOL, p.kind().name())))));
        instruments.add(meter.upDownCounterBuilder(IN_USE).setUnit("By")
                .setDescription("Bytes handed out and not freed, per pool").buildWithCallback(m -> pools(ref, p ->
                        m.record(p.inUse(), Attributes.of(POOL, p.kind().name())))));
        instruments.add(meter.upDownCounterBuilder(CACHED).setUnit("By")
                .setDescription("Bytes of cached buffers ready for reuse, per pool").buildWithCallback(m -> pools(ref, p ->
                        m.record(p.cached(), Attributes.of(POOL, p.kind().name())))));
        instruments.add(meter.upDownCounterBuilder(HEAPS).setUnit("{heap}")
                .setDescription("Heaps per pool").buildWithCallback(m -> pools(ref, p ->
                        m.record(p.heaps(), Attributes.of(POOL, p.kind().name())))));
        instruments.add(meter.upDownCounterBuilder(BUFFERS).setUnit("{buffer}")
                .setDescription("Buffers (in use and cached) per pool").buildWithCallback(m -> pools(ref, p ->
                        m.record(p.buffers(), Attributes.of(POOL, p.kind().name())))));
        instruments.add(meter.counterBuilder(ALLOCATIONS).setUnit("{allocation}")
                .setDescription("Allocations by outcome: new buffer or recycled").buildWithCallback(m -> stats(ref, s -> {
                    m.record(s.buffersAllocated(), Attributes.of(OUTCOME, "new"));
                    m.record(s.buffersRecycled(), Attributes.of(OUTCOME, "recycled"));
                })));
        instruments.add(meter.counterBuilder(FREES).setUnit("{buffer}").setDescription("Buffers freed to their pool")
                .buildWithCallback(m -> stats(ref, s -> m.record(s.buffersFreed()))));
        instruments.add(meter.counterBuilder(RELEASES).setUnit("{buffer}").setDescription("Buffers released to their heap")
                .buildWithCallback(m -> stats(ref, s -> m.record(s.buffersReleased()))));
        instruments.add(meter.counterBuilder(GC_RECLAIMED).setUnit("By").setDescription("Bytes released by garbage collection")
                .buildWithCallback(m -> stats(ref, s -> m.record(s.gcReclaimedBytes()))));
        instruments.add(meter.counterBuilder(OOMS).setUnit("{error}").setDescription("Allocations that ran out of memory")
                .buildWithCallback(m -> stats(ref, s -> m.record(s.outOfMemory()))));
        instruments.add(meter.gaugeBuilder(WATERMARK_LIMIT).ofLongs().setUnit("By")
                .setDescription("High and low watermark limits (absent when disabled)").buildWithCallback(m -> {
                    HeapAllocator a = profiling(ref);
                    if (a != null) {
                        if (a.getHighWatermarkLimit() != Long.MAX_VALUE) {
                            m.record(a.getHighWatermarkLimit(), Attributes.of(WATERMARK, "high"));
                        }
                        if (a.getLowWatermarkLimit() != Long.MAX_VALUE) {
                            m.record(a.getLowWatermarkLimit(), Attributes.of(WATERMARK, "low"));
                        }
                    }
                }));
        instruments.add(meter.gaugeBuilder(PRESSURE).ofLongs().setUnit("1")
                .setDescription("1 while the device holds more than the low watermark, else 0").buildWithCallback(m -> {
                    HeapAllocator a = profiling(ref);
                    if (a != null) {
                        m.record(a.getLowWatermarkValue() == 0 ? 1 : 0);
                    }
                }));
    }

    private static HeapAllocator profiling(WeakReference<HeapAllocator> ref) {
        HeapAllocator a = ref.get();
        return a != null && !a.isClosed() && DebugVerbosity.PROFILING.isSet(a.getDebugVerbosity()) ? a : null;
    }

    private static void pools(WeakReference<HeapAllocator> ref, java.util.function.Consumer<PoolSnapshot> each) {
        HeapAllocator a = profiling(ref);
        if (a != null) {
            a.poolSnapshots().forEach(each);
        }
    }

    private static void stats(WeakReference<HeapAllocator> ref, java.util.function.Consumer<AllocatorStatistics> each) {
        HeapAllocator a = profiling(ref);
        if (a != null) {
            each.accept(a.stats());
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : instruments) {
            try {
                c.close();
            } catch (Exception ignored) {
                // instruments' close does not throw in practice
            }
        }
        instruments.clear();
    }
}

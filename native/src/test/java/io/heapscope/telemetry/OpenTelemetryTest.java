package io.heapscope.telemetry;

import io.heapscope.allocator.AllocatorStatistics;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.PoolSnapshot;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.telemetry.otel.AllocatorMetrics;
import io.heapscope.telemetry.otel.OtelTelemetry;
import io.heapscope.telemetry.otel.SpanPolicy;
import io.heapscope.telemetry.otel.HeapscopeAttributes;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Collection;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spans and metrics through the real OpenTelemetry SDK with in-memory exporters. */
class OpenTelemetryTest {
    private InMemorySpanExporter spans;
    private InMemoryMetricReader metrics;
    private OpenTelemetrySdk otel;

    @BeforeEach
    void sdk() {
        spans = InMemorySpanExporter.create();
        metrics = InMemoryMetricReader.create();
        otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .build();
    }

    @AfterEach
    void close() {
        otel.close();
    }

    private HeapAllocator allocator(HostDevice d, int mask, SpanPolicy policy) {
        return HeapAllocator.builder(d).verbosity(mask).sinks(Set.of())
                .telemetry(OtelTelemetry.using(otel).withSpans(policy)).build();
    }

    @Test
    @SuppressWarnings("try") // the scope is only made current
    void byDefaultBufferSpansComeOnlyInsideATraceAndFailuresAlways() {
        int mask = DebugVerbosity.ALLOCATIONS.bit() | DebugVerbosity.RECYCLES.bit() | DebugVerbosity.RELEASES.bit();
        try (HostDevice d = HostDevice.builder().capacity(64L << 20).build();
             HeapAllocator a = allocator(d, mask, SpanPolicy.DEFAULT)) {
            a.free(a.malloc(5000, false)); // no trace: no span
            assertEquals(0, spans.getFinishedSpanItems().size(), "no root buffer spans");
            Span request = otel.getTracer("test").spanBuilder("GET /x").startSpan();
            try (Scope ignored = request.makeCurrent()) {
                a.free(a.malloc(5000, false));
            } finally {
                request.end();
            }
            long inTrace = spans.getFinishedSpanItems().stream().filter(sd -> sd.getName().startsWith("heapscope.")
                    && sd.getParentSpanId().equals(request.getSpanContext().getSpanId())).count();
            assertEquals(2, inTrace, "recycled + freed inside the request");
            spans.reset();
            assertThrows(io.heapscope.allocator.MpsOutOfMemoryException.class, () -> a.malloc(60L << 20, false));
            List<SpanData> failures = spans.getFinishedSpanItems();
            assertEquals(1, failures.size(), "the failure is a span even outside any trace");
            assertEquals("heapscope.allocation_failed", failures.getFirst().getName());
            assertEquals(io.opentelemetry.api.trace.StatusCode.ERROR, failures.getFirst().getStatus().getStatusCode());
        }
    }

    @Test
    void theRateLimitCapsSpansButNeverFailures() {
        int mask = DebugVerbosity.ALLOCATIONS.bit() | DebugVerbosity.RECYCLES.bit() | DebugVerbosity.RELEASES.bit();
        SpanPolicy tenPerSecond = new SpanPolicy(SpanPolicy.Mode.ALL, 1.0, 10);
        try (HostDevice d = HostDevice.builder().capacity(64L << 20).build();
             HeapAllocator a = allocator(d, mask, tenPerSecond)) {
            long start = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                a.free(a.malloc(5000, false));
            }
            for (int i = 0; i < 5; i++) {
                assertThrows(io.heapscope.allocator.MpsOutOfMemoryException.class, () -> a.malloc(60L << 20, false));
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L + 2; // windows touched, at most
            List<SpanData> all = spans.getFinishedSpanItems();
            long failures = all.stream().filter(sd -> sd.getName().equals("heapscope.allocation_failed")).count();
            assertEquals(5, failures, "every failure, whatever the limit");
            assertTrue(all.size() - failures <= 10 * seconds, "at most 10 a second: " + (all.size() - failures));
            assertTrue(all.size() - failures >= 10, "the limit admits its share");
        }
    }

    @Test
    void spanSettingsAreReadAndCheckedByName() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("heapscope.otel.spans", "all");
        p.setProperty("heapscope.otel.spans.ratio", "0.25");
        SpanPolicy policy = SpanPolicy.from(p, Map.of("HEAPSCOPE_OTEL_SPANS_MAX_PER_SECOND", "0"));
        assertEquals(new SpanPolicy(SpanPolicy.Mode.ALL, 0.25, 0), policy);
        assertEquals(SpanPolicy.DEFAULT, SpanPolicy.from(new java.util.Properties(), Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpanPolicy.from(new java.util.Properties(), Map.of("HEAPSCOPE_OTEL_SPANS", "most")));
        assertTrue(e.getMessage().contains("most"), e.getMessage());
    }

    private HeapAllocator allocator(HostDevice d, int mask) {
        return HeapAllocator.builder(d).verbosity(mask).sinks(Set.of()).telemetry(OtelTelemetry.using(otel).withSpans(io.heapscope.telemetry.otel.SpanPolicy.EVERY_EVENT)).build();
    }

    @ParameterizedTest(name = "mask {0}")
    @ValueSource(ints = {0, 2, 4, 8, 14})
    void spanCountsPerKindFollowTheFlags(int mask) {
        AllocatorStatistics s;
        try (HostDevice d = HostDevice.builder().capacity(2L << 30).build(); HeapAllocator a = allocator(d, mask)) {
            Workload.run(a);
            s = a.stats();
        }
        Map<String, Long> got = spans.getFinishedSpanItems().stream()
                .collect(Collectors.groupingBy(SpanData::getName, TreeMap::new, Collectors.counting()));
        Map<String, Long> expected = new TreeMap<>();
        if (DebugVerbosity.ALLOCATIONS.isSet(mask)) {
            expected.put("heapscope.buffer.allocated", s.buffersAllocated());
            expected.put("heapscope.heap.allocated", s.heapsAllocated());
        }
        if (DebugVerbosity.RECYCLES.isSet(mask)) {
            expected.put("heapscope.buffer.recycled", s.buffersRecycled());
        }
        if (DebugVerbosity.RELEASES.isSet(mask)) {
            expected.put("heapscope.buffer.freed", s.buffersFreed());
            expected.put("heapscope.buffer.released", s.buffersReleased());
            expected.put("heapscope.heap.released", s.heapsReleased());
        }
        expected.values().removeIf(v -> v == 0);
        assertEquals(expected, got);
    }

    @Test
    @SuppressWarnings("try") // the scope is only made current
    void allocationSpansAreChildrenOfTheRequestSpanAndCarryAttributes() {
        Tracer tracer = otel.getTracer("test");
        try (HostDevice d = HostDevice.builder().capacity(1L << 30).build();
             HeapAllocator a = allocator(d, DebugVerbosity.ALLOCATIONS.bit())) {
            Span request = tracer.spanBuilder("GET /infer").startSpan();
            MpsBuffer b;
            try (Scope ignored = request.makeCurrent()) {
                b = a.malloc(5000, true);
            } finally {
                request.end();
            }
            SpanData alloc = spans.getFinishedSpanItems().stream()
                    .filter(sd -> sd.getName().equals("heapscope.buffer.allocated")).findFirst().orElseThrow();
            assertEquals(request.getSpanContext().getSpanId(), alloc.getParentSpanId());
            assertEquals(request.getSpanContext().getTraceId(), alloc.getTraceId());
            Attributes at = alloc.getAttributes();
            assertEquals("SHARED_SMALL", at.get(HeapscopeAttributes.POOL));
            assertEquals(a.id().name(), at.get(HeapscopeAttributes.ALLOCATOR_NAME));
            assertEquals(a.id().id(), at.get(HeapscopeAttributes.ALLOCATOR_ID));
            assertEquals(5000L, at.get(HeapscopeAttributes.SIZE_REQUESTED));
            assertEquals(8192L, at.get(HeapscopeAttributes.SIZE_ALIGNED));
            assertEquals(b.id(), at.get(HeapscopeAttributes.BUFFER_ID));
            assertEquals(b.address(), at.get(HeapscopeAttributes.ADDRESS));
            assertEquals(8L << 20, at.get(HeapscopeAttributes.TOTAL_RESERVED));
            assertEquals(8192L, at.get(HeapscopeAttributes.TOTAL_IN_USE));
        }
    }

    @Test
    void metricsEqualTheAllocatorsFiguresUnderProfiling() {
        try (HostDevice d = HostDevice.builder().capacity(1L << 30).build();
             HeapAllocator a = allocator(d, DebugVerbosity.PROFILING.bit())) {
            MpsBuffer keep = a.malloc(3 << 20, false);
            MpsBuffer gone = a.malloc(4096, true);
            a.free(gone);
            a.malloc(4096, true);
            Collection<MetricData> data = metrics.collectAllMetrics();
            long reserved = sum(data, AllocatorMetrics.RESERVED);
            assertEquals(a.getTotalAllocatedMemory(), reserved);
            assertEquals(a.getCurrentAllocatedMemory(), sum(data, AllocatorMetrics.IN_USE));
            assertEquals(a.poolSnapshots().stream().mapToLong(PoolSnapshot::cached).sum(), sum(data, AllocatorMetrics.CACHED));
            assertEquals(1, point(data, AllocatorMetrics.ALLOCATIONS, "recycled"));
            assertEquals(2, point(data, AllocatorMetrics.ALLOCATIONS, "new"));
            assertEquals(1, sum(data, AllocatorMetrics.FREES));
            assertEquals(a.getHighWatermarkLimit(), point(data, AllocatorMetrics.WATERMARK_LIMIT, "high"));
            assertEquals(0, sum(data, AllocatorMetrics.PRESSURE));
            assertTrue(keep.size() > 0);
            a.setDebugVerbosity(0);
            assertTrue(metrics.collectAllMetrics().stream().noneMatch(m -> m.getName().startsWith("heapscope.")
                    && !m.getLongSumData().getPoints().isEmpty() && m.getType().name().contains("SUM")
                    && m.getLongSumData().getPoints().stream().anyMatch(p -> p.getValue() != 0)), "no data when not profiling");
        }
    }

    private static long sum(Collection<MetricData> data, String name) {
        MetricData m = data.stream().filter(x -> x.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name));
        Collection<LongPointData> points = m.getType().name().contains("GAUGE")
                ? m.getLongGaugeData().getPoints() : m.getLongSumData().getPoints();
        return points.stream().mapToLong(LongPointData::getValue).sum();
    }

    private static long point(Collection<MetricData> data, String name, String attributeValue) {
        MetricData m = data.stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        Collection<LongPointData> points = m.getType().name().contains("GAUGE")
                ? m.getLongGaugeData().getPoints() : m.getLongSumData().getPoints();
        return points.stream().filter(p -> p.getAttributes().asMap().containsValue(attributeValue))
                .mapToLong(LongPointData::getValue).sum();
    }

    @Test
    @SuppressWarnings("try") // the scope is only made current
    void theDefaultTelemetryNeverPinsANoOpGlobal() {
        io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        try (HostDevice d = HostDevice.builder().capacity(64L << 20).build();
             HeapAllocator a = HeapAllocator.builder(d).verbosity(DebugVerbosity.ALL & ~DebugVerbosity.LARGE_ONLY.bit())
                     .sinks(Set.of("otel")).build()) {
            a.free(a.malloc(5000, false)); // events, and PROFILING, before any global exists
            // the application sets its SDK afterwards: this threw when the allocator had fixed a no-op global
            io.opentelemetry.api.GlobalOpenTelemetry.set(otel);
            Span request = otel.getTracer("test").spanBuilder("GET /late").startSpan();
            try (Scope ignored = request.makeCurrent()) {
                a.free(a.malloc(5000, false));
            } finally {
                request.end();
            }
            assertTrue(spans.getFinishedSpanItems().stream().anyMatch(sd -> sd.getName().startsWith("heapscope.")),
                    "spans reach the SDK set after the allocator was built");
        } finally {
            io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        }
    }
}

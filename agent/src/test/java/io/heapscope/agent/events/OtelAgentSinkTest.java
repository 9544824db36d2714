package io.heapscope.agent.events;

import io.heapscope.telemetry.otel.SpanPolicy;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spans of the agent's events, including those raised while the agent was still deciding on an OpenTelemetry. */
class OtelAgentSinkTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
            .build();
    private final AtomicReference<OpenTelemetry> current = new AtomicReference<>();
    private final AtomicBoolean decided = new AtomicBoolean();

    @AfterEach
    void close() {
        sdk.close();
    }

    @Test
    void eventsBeforeTheDecisionBecomeSpansWithTheirTimeAndContext() throws Exception {
        OtelAgentSink sink = new OtelAgentSink(current::get, decided::get, SpanPolicy.EVERY_EVENT);
        Span parent = sdk.getTracer("test").spanBuilder("request").startSpan();
        long before = System.currentTimeMillis() * 1_000_000L;
        Scope scope = parent.makeCurrent();
        try {
            sink.allocation("netty", "ffm", 4096, 0x1000);
        } finally {
            scope.close();
        }
        sink.free("netty", null, 4096, 0x1000);
        Thread.sleep(20);
        assertEquals(List.of(), exporter.getFinishedSpanItems(), "nothing before the decision");
        current.set(sdk);
        decided.set(true);
        sink.decided();
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertEquals(List.of("heapscope.offheap.allocation", "heapscope.offheap.free"),
                spans.stream().map(SpanData::getName).toList());
        SpanData a = spans.getFirst();
        assertEquals(parent.getSpanContext().getTraceId(), a.getTraceId(), "in the trace it was raised in");
        assertEquals("ffm", a.getAttributes().get(OtelAgentSink.MECHANISM));
        assertTrue(a.getStartEpochNanos() >= before && a.getEndEpochNanos() - before < 20_000_000L,
                "the time it was raised, not the time of the decision");
        sink.pooledFree("netty", 64);
        assertEquals(3, exporter.getFinishedSpanItems().size(), "then spans at once");
    }

    @Test
    void heldEventsAreDroppedWhenTheDecisionIsNoneAndBounded() {
        OtelAgentSink sink = new OtelAgentSink(current::get, decided::get, SpanPolicy.EVERY_EVENT);
        for (int i = 0; i < OtelAgentSink.MAX_HELD + 5; i++) {
            sink.chunkReuse("netty", i);
        }
        assertEquals(5, sink.heldDropped());
        decided.set(true); // decided on none
        sink.decided();
        current.set(sdk); // an OpenTelemetry appearing later sees none of them
        sink.chunkReuse("netty", 1);
        assertEquals(1, exporter.getFinishedSpanItems().size());
    }

    @Test
    void theAllocatorsSpanPolicyApplies() {
        current.set(sdk);
        decided.set(true);
        OtelAgentSink inTrace = new OtelAgentSink(current::get, decided::get, SpanPolicy.DEFAULT);
        inTrace.allocation("jdk.direct", null, 10, 1);
        assertEquals(0, exporter.getFinishedSpanItems().size(), "by default no root spans of their own");
        Span parent = sdk.getTracer("test").spanBuilder("request").startSpan();
        Scope scope = parent.makeCurrent();
        try {
            inTrace.allocation("jdk.direct", null, 10, 1);
        } finally {
            scope.close();
        }
        assertEquals(List.of(parent.getSpanContext().getTraceId()),
                exporter.getFinishedSpanItems().stream().map(SpanData::getTraceId).toList(), "inside the trace: one");
        exporter.reset();

        OtelAgentSink capped = new OtelAgentSink(current::get, decided::get,
                new SpanPolicy(SpanPolicy.Mode.ALL, 1.0, 5));
        for (int i = 0; i < 12; i++) {
            capped.free("jdk.direct", null, i, i);
        }
        assertEquals(5, exporter.getFinishedSpanItems().size(), "at most 5 a second");
        assertEquals(7, capped.rateLimited());
        exporter.reset();

        OtelAgentSink sampled = new OtelAgentSink(current::get, decided::get,
                new SpanPolicy(SpanPolicy.Mode.ALL, 0.5, 0));
        for (int i = 0; i < 12; i++) {
            sampled.pooledAllocation("netty", i, false);
        }
        assertEquals(6, exporter.getFinishedSpanItems().size(), "every second one");
    }
}

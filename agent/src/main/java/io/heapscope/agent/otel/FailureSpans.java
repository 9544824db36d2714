package io.heapscope.agent.otel;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.Collection;

/**
 * Allocation-failure spans through a batch queue of their own, beside an exporter's batch processor: a flood of other
 * spans (every direct buffer of a busy application) fills the SDK's queue (2048 by default), which then drops spans
 * at random, failures with them. Failures are rare by nature (each is an out-of-memory error), so their own queue
 * ({@link #QUEUE} spans, to the same exporter) does not fill. Used for the agent's own SDK only.
 */
final class FailureSpans implements SpanProcessor {
    static final String NAME = io.heapscope.telemetry.otel.OtelSpanListener.spanName(
            io.heapscope.allocator.event.EventKind.ALLOCATION_FAILED);
    static final int QUEUE = 65_536;

    private final SpanProcessor main;
    private final SpanProcessor failures;

    private FailureSpans(SpanProcessor main, SpanProcessor failures) {
        this.main = main;
        this.failures = failures;
    }

    /** Wraps an exporter's batch processor; any other processor (the logging exporter's simple one) as it is. */
    static SpanProcessor around(SpanProcessor processor) {
        if (!(processor instanceof BatchSpanProcessor batch)) {
            return processor;
        }
        SpanProcessor failures = BatchSpanProcessor.builder(new Shared(batch.getSpanExporter()))
                .setMaxQueueSize(QUEUE).build();
        return new FailureSpans(processor, failures);
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        main.onStart(parentContext, span);
    }

    @Override
    public boolean isStartRequired() {
        return main.isStartRequired();
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (NAME.equals(span.getName())) {
            failures.onEnd(span);
        } else {
            main.onEnd(span);
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    /** The failures' queue first (its exporter is shared and not shut by it), then the main one, which shuts it. */
    @Override
    public CompletableResultCode shutdown() {
        CompletableResultCode result = new CompletableResultCode();
        CompletableResultCode first = failures.shutdown();
        first.whenComplete(() -> {
            CompletableResultCode second = main.shutdown();
            second.whenComplete(() -> {
                if (first.isSuccess() && second.isSuccess()) {
                    result.succeed();
                } else {
                    result.fail();
                }
            });
        });
        return result;
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofAll(java.util.List.of(failures.forceFlush(), main.forceFlush()));
    }

    /** The exporter of the main processor, used by the failures' one without shutting it down. */
    private record Shared(SpanExporter exporter) implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return exporter.export(spans);
        }

        @Override
        public CompletableResultCode flush() {
            return exporter.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}

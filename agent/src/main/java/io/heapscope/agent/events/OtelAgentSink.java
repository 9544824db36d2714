package io.heapscope.agent.events;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;

import java.util.function.Supplier;

/**
 * The agent's events as OpenTelemetry spans (instantaneous: start and end at the event). Span names:
 * {@code heapscope.offheap.allocation}, {@code heapscope.offheap.free}, {@code heapscope.file.mapping},
 * {@code heapscope.file.unmapping}, {@code heapscope.pooled.allocation}, {@code heapscope.pooled.free},
 * {@code heapscope.pool.chunk_reuse}; attributes {@code heapscope.framework}, {@code heapscope.mechanism},
 * {@code heapscope.size}, {@code heapscope.address}, {@code heapscope.file}, {@code heapscope.new_chunk}.
 * The OpenTelemetry instance is resolved at the first event (so one the application installs later is used);
 * while it resolves to none, spans are not built at all.
 */
public final class OtelAgentSink implements AgentSink {
    static final AttributeKey<String> FRAMEWORK = AttributeKey.stringKey("heapscope.framework");
    static final AttributeKey<String> MECHANISM = AttributeKey.stringKey("heapscope.mechanism");
    static final AttributeKey<Long> SIZE = AttributeKey.longKey("heapscope.size");
    static final AttributeKey<Long> ADDRESS = AttributeKey.longKey("heapscope.address");
    static final AttributeKey<String> FILE = AttributeKey.stringKey("heapscope.file");
    static final AttributeKey<Boolean> NEW_CHUNK = AttributeKey.booleanKey("heapscope.new_chunk");

    private final Supplier<OpenTelemetry> openTelemetry;
    private volatile Tracer tracer;

    /** {@code openTelemetry} returns null while there is nothing to send spans to. */
    public OtelAgentSink(Supplier<OpenTelemetry> openTelemetry) {
        this.openTelemetry = openTelemetry;
    }

    private Tracer tracer() {
        Tracer t = tracer;
        if (t == null) {
            OpenTelemetry otel = openTelemetry.get();
            if (otel == null) {
                return null;
            }
            t = otel.getTracer("io.heapscope.agent");
            tracer = t;
        }
        return t;
    }

    private void span(String name, AttributesBuilder attributes) {
        Tracer t = tracer();
        if (t != null) {
            Span s = t.spanBuilder(name).setAllAttributes(attributes.build()).startSpan();
            s.end();
        }
    }

    private boolean off() {
        return tracer() == null;
    }

    @Override
    public void allocation(String framework, String mechanism, long size, long address) {
        if (!off()) {
            span("heapscope.offheap.allocation", common(framework, mechanism, size).put(ADDRESS, address));
        }
    }

    @Override
    public void free(String framework, String mechanism, long size, long address) {
        if (!off()) {
            span("heapscope.offheap.free", common(framework, mechanism, size).put(ADDRESS, address));
        }
    }

    @Override
    public void mapping(String framework, String file, long size, long address) {
        if (!off()) {
            span("heapscope.file.mapping", common(framework, null, size).put(ADDRESS, address).put(FILE, file));
        }
    }

    @Override
    public void unmapping(String framework, String file, long size, long address) {
        if (!off()) {
            span("heapscope.file.unmapping", common(framework, null, size).put(ADDRESS, address).put(FILE, file));
        }
    }

    @Override
    public void pooledAllocation(String framework, long size, boolean newChunk) {
        if (!off()) {
            span("heapscope.pooled.allocation", common(framework, null, size).put(NEW_CHUNK, newChunk));
        }
    }

    @Override
    public void pooledFree(String framework, long size) {
        if (!off()) {
            span("heapscope.pooled.free", common(framework, null, size));
        }
    }

    @Override
    public void chunkReuse(String framework, long size) {
        if (!off()) {
            span("heapscope.pool.chunk_reuse", common(framework, null, size));
        }
    }

    private static AttributesBuilder common(String framework, String mechanism, long size) {
        AttributesBuilder b = Attributes.builder().put(FRAMEWORK, framework).put(SIZE, size);
        if (mechanism != null) {
            b.put(MECHANISM, mechanism);
        }
        return b;
    }
}

package io.heapscope.agent.events;

import io.heapscope.telemetry.otel.HeapscopeAttributes;
import io.heapscope.telemetry.otel.LazyTracer;
import io.heapscope.telemetry.otel.SpanPolicy;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import java.util.function.Supplier;

/**
 * The agent's events as OpenTelemetry spans (instantaneous: start and end at the event). Span names:
 * {@code heapscope.offheap.allocation}, {@code heapscope.offheap.free}, {@code heapscope.file.mapping},
 * {@code heapscope.file.unmapping}, {@code heapscope.pooled.allocation}, {@code heapscope.pooled.free},
 * {@code heapscope.pool.chunk_reuse}; attributes {@code heapscope.framework}, {@code heapscope.mechanism},
 * {@code heapscope.size}, {@code heapscope.address}, {@code heapscope.file}, {@code heapscope.new_chunk}.
 * The OpenTelemetry instance is resolved at the first event (so one the application installs later is used);
 * while it resolves to none, spans are not built at all. Events raised while the agent is still deciding which
 * OpenTelemetry to use (it decides off the application's threads, so the application does not wait for an SDK to
 * start) are held, with their time and the context they were raised in, up to {@value #MAX_HELD}, and become spans
 * once it has decided (or are dropped if it decided on none).
 *
 * <p>Which events become spans follows the allocator's {@link SpanPolicy} ({@code heapscope.otel.spans}: by default
 * only inside a trace the application started, at most {@code heapscope.otel.spans.max_per_second} = 1000 a second,
 * optionally sampled by {@code heapscope.otel.spans.ratio}), one gate for all the hooks: a busy application's
 * buffers would otherwise flood the tracing backend with one-span traces and overflow the SDK's batch queue. The
 * policy applies when the event is raised (held events too).
 */
public final class OtelAgentSink implements AgentSink {
    static final AttributeKey<String> FRAMEWORK = HeapscopeAttributes.FRAMEWORK;
    static final AttributeKey<String> MECHANISM = AttributeKey.stringKey("heapscope.mechanism");
    static final AttributeKey<Long> SIZE = AttributeKey.longKey("heapscope.size");
    static final AttributeKey<Long> ADDRESS = HeapscopeAttributes.ADDRESS;
    static final AttributeKey<String> FILE = AttributeKey.stringKey("heapscope.file");
    static final AttributeKey<Boolean> NEW_CHUNK = AttributeKey.booleanKey("heapscope.new_chunk");

    /** Events held at most while OpenTelemetry is undecided; later ones are dropped (and counted). */
    static final int MAX_HELD = 10_000;

    private final BooleanSupplier decided;
    private final SpanPolicy.Gate gate;
    private final LazyTracer tracer;
    private final ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
    private final AtomicInteger heldCount = new AtomicInteger();
    private final AtomicLong heldDropped = new AtomicLong();

    /** An event raised before the decision. */
    private record Held(String name, Attributes attributes, long epochNanos, Context context) {
    }

    /**
     * @param openTelemetry returns null while there is nothing to send spans to
     * @param decided       false while the agent is still deciding (events are held meanwhile)
     * @param policy        which events become spans
     */
    public OtelAgentSink(Supplier<OpenTelemetry> openTelemetry, BooleanSupplier decided, SpanPolicy policy) {
        this.tracer = new LazyTracer(openTelemetry, "io.heapscope.agent", null);
        this.decided = decided;
        this.gate = policy.gate();
    }

    /** Events the policy's rate limit kept from becoming spans. */
    public long rateLimited() {
        return gate.dropped();
    }

    /** Called once the agent has decided: the held events become spans, or are dropped when there is none. */
    public void decided() {
        Tracer t = tracer.get();
        for (Held h; (h = held.poll()) != null; ) {
            heldCount.decrementAndGet();
            if (t != null) {
                t.spanBuilder(h.name()).setParent(h.context()).setAllAttributes(h.attributes())
                        .setStartTimestamp(h.epochNanos(), TimeUnit.NANOSECONDS).startSpan()
                        .end(h.epochNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Events dropped because too many were held before the decision. */
    public long heldDropped() {
        return heldDropped.get();
    }


    private void span(String name, AttributesBuilder attributes) {
        Tracer t = tracer.get();
        if (t != null) {
            if (!held.isEmpty()) {
                decided();
            }
            SpanBuilder b = t.spanBuilder(name).setAllAttributes(attributes.build());
            b.startSpan().end();
        } else if (!decided.getAsBoolean()) {
            hold(name, attributes.build());
        }
    }

    private void hold(String name, Attributes attributes) {
        if (heldCount.incrementAndGet() > MAX_HELD) {
            heldCount.decrementAndGet();
            heldDropped.incrementAndGet();
            return;
        }
        Instant now = Instant.now();
        held.add(new Held(name, attributes, TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano(),
                Context.current()));
        if (decided.getAsBoolean()) {
            decided(); // decided meanwhile: the decision's own flush may have run before this event was added
        }
    }

    /**
     * True when this event makes no span: none can be made nor held, or the policy leaves it out (outside a trace by
     * default; sampled out; over the rate limit). Asked before anything of the event is built.
     */
    private boolean off() {
        return tracer.get() == null && decided.getAsBoolean() || !gate.eligible() || !gate.take();
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

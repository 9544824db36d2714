package io.heapscope.bench.jmh;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.telemetry.otel.OtelTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import jdk.jfr.Event;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What one Heapscope event costs against the JDK's and the OpenTelemetry SDK's own floor, side by side in one run.
 * Every variant runs the same cached malloc+free pair (64 KiB, private pool: recycled every time):
 * <ul>
 *   <li>{@code silent}: JFR and OTel telemetry attached, flags 0 (the hot path pays the flag test);</li>
 *   <li>{@code jfr}, {@code jfr-stacks}: RECYCLES|RELEASES on, a recording of the two events the pair emits
 *       (BufferRecycled, BufferFreed) without / with stack traces;</li>
 *   <li>{@code bare-jfr}, {@code bare-jfr-stacks}: flags 0, and the loop commits two bare JFR events of its own with
 *       the same field types and count (13 and 12 fields: two strings, the rest numbers);</li>
 *   <li>{@code otel}: RECYCLES|RELEASES spans through the real SDK (simple processor, exporter that drops);</li>
 *   <li>{@code bare-otel}: flags 0, and the loop starts and ends two spans of its own with the same attribute
 *       count through the same SDK.</li>
 * </ul>
 * Per-event cost = (variant − silent) / 2; the goal is at most 1.5× the bare variant's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 3, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class TelemetryCostBenchmark {
    private static final int FLAGS = DebugVerbosity.RECYCLES.bit() | DebugVerbosity.RELEASES.bit();

    @Param({"silent", "jfr", "bare-jfr", "jfr-stacks", "bare-jfr-stacks", "otel", "bare-otel"})
    public String variant;

    private HostDevice device;
    private HeapAllocator allocator;
    private BenchRecording recording;
    private OpenTelemetrySdk otel;
    private Tracer tracer;
    private boolean bareJfr;
    private boolean bareOtel;
    private long counter;

    /** Same shape as heapscope.BufferRecycled: allocatorId, allocatorName, pool, 2 totals, 6 longs/ints, gcAge. */
    @Name("bench.BareRecycled")
    @StackTrace(true)
    static final class BareRecycled extends Event {
        long allocatorId;
        String allocatorName;
        String pool;
        long totalReserved;
        long totalInUse;
        long bufferId;
        long heapId;
        long address;
        long requestedSize;
        long alignedSize;
        int useCount;
        int retainCount;
        int gcAge;
    }

    /** Same shape as heapscope.BufferFreed. */
    @Name("bench.BareFreed")
    @StackTrace(true)
    static final class BareFreed extends Event {
        long allocatorId;
        String allocatorName;
        String pool;
        long totalReserved;
        long totalInUse;
        long bufferId;
        long heapId;
        long address;
        long requestedSize;
        long alignedSize;
        int useCount;
        int retainCount;
    }

    private static final AttributeKey<Long> ID = AttributeKey.longKey("bench.allocator.id");
    private static final AttributeKey<String> NAME = AttributeKey.stringKey("bench.allocator.name");
    private static final AttributeKey<String> POOL = AttributeKey.stringKey("bench.pool");
    private static final AttributeKey<Long> L1 = AttributeKey.longKey("bench.buffer.id");
    private static final AttributeKey<Long> L2 = AttributeKey.longKey("bench.heap.id");
    private static final AttributeKey<Long> L3 = AttributeKey.longKey("bench.address");
    private static final AttributeKey<Long> L4 = AttributeKey.longKey("bench.size.requested");
    private static final AttributeKey<Long> L5 = AttributeKey.longKey("bench.size.aligned");
    private static final AttributeKey<Long> L6 = AttributeKey.longKey("bench.use_count");
    private static final AttributeKey<Long> L7 = AttributeKey.longKey("bench.retain_count");
    private static final AttributeKey<Long> L8 = AttributeKey.longKey("bench.gc_age");
    private static final AttributeKey<Long> L9 = AttributeKey.longKey("bench.total.reserved");
    private static final AttributeKey<Long> L10 = AttributeKey.longKey("bench.total.in_use");

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        device = HostDevice.builder().capacity(1L << 30).build();
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build()).build();
        tracer = otel.getTracer("bench");
        boolean events = variant.equals("jfr") || variant.equals("jfr-stacks") || variant.equals("otel");
        HeapAllocator.Builder b = HeapAllocator.builder(device).verbosity(events ? FLAGS : 0).name("bench");
        if (variant.startsWith("jfr") || variant.equals("silent")) {
            b.sinks(Set.of("jfr"));
        } else {
            b.sinks(Set.of());
        }
        if (variant.equals("otel") || variant.equals("silent")) {
            b.telemetry(OtelTelemetry.using(otel).withSpans(io.heapscope.telemetry.otel.SpanPolicy.EVERY_EVENT));
        }
        allocator = b.build();
        bareJfr = variant.startsWith("bare-jfr");
        bareOtel = variant.equals("bare-otel");
        if (variant.contains("jfr")) {
            recording = BenchRecording.start(variant.endsWith("stacks"), "heapscope.BufferRecycled",
                    "heapscope.BufferFreed", "bench.BareRecycled", "bench.BareFreed");
        }
        allocator.free(allocator.malloc(64 << 10, false)); // the pair below always recycles this buffer
    }

    @Benchmark
    public long cachedPair() {
        MpsBuffer b = allocator.malloc(64 << 10, false);
        if (bareJfr) {
            bareRecycled(b);
        } else if (bareOtel) {
            bareSpan("bench.buffer.recycled", b);
        }
        allocator.free(b);
        if (bareJfr) {
            bareFreed(b);
        } else if (bareOtel) {
            bareSpan("bench.buffer.freed", b);
        }
        return b.address();
    }

    private void bareRecycled(MpsBuffer b) {
        BareRecycled e = new BareRecycled();
        if (e.shouldCommit()) {
            e.allocatorId = 1;
            e.allocatorName = "bench";
            e.pool = "PRIVATE_SMALL";
            e.totalReserved = 8 << 20;
            e.totalInUse = b.size();
            e.bufferId = b.id();
            e.heapId = b.heapId();
            e.address = b.address();
            e.requestedSize = b.requestedSize();
            e.alignedSize = b.size();
            e.useCount = (int) ++counter;
            e.retainCount = 1;
            e.gcAge = 0;
            e.commit();
        }
    }

    private void bareFreed(MpsBuffer b) {
        BareFreed e = new BareFreed();
        if (e.shouldCommit()) {
            e.allocatorId = 1;
            e.allocatorName = "bench";
            e.pool = "PRIVATE_SMALL";
            e.totalReserved = 8 << 20;
            e.totalInUse = 0;
            e.bufferId = b.id();
            e.heapId = b.heapId();
            e.address = b.address();
            e.requestedSize = b.requestedSize();
            e.alignedSize = b.size();
            e.useCount = (int) counter;
            e.retainCount = 1;
            e.commit();
        }
    }

    private void bareSpan(String name, MpsBuffer b) {
        tracer.spanBuilder(name).setParent(Context.current()).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(ID, 1L).setAttribute(NAME, "bench").setAttribute(POOL, "PRIVATE_SMALL")
                .setAttribute(L1, b.id()).setAttribute(L2, b.heapId()).setAttribute(L3, b.address())
                .setAttribute(L4, b.requestedSize()).setAttribute(L5, b.size()).setAttribute(L6, ++counter)
                .setAttribute(L7, 1L).setAttribute(L8, 0L).setAttribute(L9, 8L << 20).setAttribute(L10, b.size())
                .startSpan().end();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (recording != null) {
            recording.close();
        }
        allocator.close();
        device.close();
        otel.close();
    }
}

package io.heapscope.bench.jmh;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.telemetry.otel.OtelTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
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

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A cached malloc+free pair (64 KiB, private pool: the buffer is recycled every time) through the allocator on the
 * host backend, with each telemetry configuration side by side:
 * none (no sink at all), none-jfr-initialized (no sink, JFR's periodic machinery registered), silent (JFR and OTel sinks attached, flags 0), jfr / jfr-stacks (flags on, a JFR recording of
 * the Heapscope events running, without / with stack traces), otel (flags on, real SDK, exporter that drops spans),
 * jfr+otel.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class AllocatorBenchmark {
    private static final int EVENTS = DebugVerbosity.ALLOCATIONS.bit() | DebugVerbosity.RECYCLES.bit()
            | DebugVerbosity.RELEASES.bit();
    private static final List<String> TYPES = List.of("heapscope.BufferAllocated", "heapscope.BufferRecycled",
            "heapscope.BufferFreed", "heapscope.BufferReleased");

    @Param({"none", "none-jfr-initialized", "silent", "jfr", "jfr-stacks", "otel", "jfr+otel"})
    public String telemetry;

    private HostDevice device;
    private HeapAllocator allocator;
    private BenchRecording recording;
    private OpenTelemetrySdk otel;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        device = HostDevice.builder().capacity(1L << 30).build();
        Set<String> sinks = new LinkedHashSet<>();
        if (telemetry.equals("none-jfr-initialized")) {
            // no sink, but JFR's machinery started as the JFR sink starts it (periodic pool statistics), to tell
            // the cost of a running JFR apart from the cost of the hot path's flag test
            io.heapscope.telemetry.jfr.JfrPoolStatistics.register();
        } else if (!telemetry.equals("none")) {
            if (telemetry.startsWith("jfr") || telemetry.equals("silent")) {
                sinks.add("jfr");
            }
            if (telemetry.contains("otel") || telemetry.equals("silent")) {
                sinks.add("otel");
            }
        }
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build()).build();
        int flags = telemetry.startsWith("none") || telemetry.equals("silent") ? 0 : EVENTS;
        HeapAllocator.Builder b = HeapAllocator.builder(device).verbosity(flags);
        if (sinks.remove("otel")) {
            b.telemetry(OtelTelemetry.using(otel).withSpans(io.heapscope.telemetry.otel.SpanPolicy.EVERY_EVENT));
        }
        allocator = b.sinks(sinks).build();
        if (telemetry.startsWith("jfr")) {
            recording = BenchRecording.start(telemetry.equals("jfr-stacks"), TYPES.toArray(String[]::new));
        }
        allocator.free(allocator.malloc(64 << 10, false)); // the pair below always recycles this buffer
    }

    @Benchmark
    public long cachedAllocFreePair() {
        MpsBuffer b = allocator.malloc(64 << 10, false);
        allocator.free(b);
        return b.address();
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

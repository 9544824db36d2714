package io.heapscope.bench.jmh;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.host.HostDevice;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What ownership-scoped CPU views cost (docs/allocator.md, "Ownership and lifecycle rules"): the cached shared pair
 * (64 KiB, recycled every time) without touching its contents, which pays only the scope check in {@code free}; and
 * the same pair writing one byte through {@code contents()}, which opens a shared arena per ownership and closes it on
 * {@code free} (a thread handshake). SILENT, no telemetry attached.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class OwnershipBenchmark {
    private HostDevice device;
    private HeapAllocator allocator;

    @Setup(Level.Trial)
    public void setUp() {
        device = HostDevice.builder().capacity(1L << 30).build();
        allocator = HeapAllocator.builder(device).sinks(Set.of()).build();
        allocator.free(allocator.malloc(64 << 10, true));
    }

    @Benchmark
    public long sharedPair() {
        MpsBuffer b = allocator.malloc(64 << 10, true);
        allocator.free(b);
        return b.address();
    }

    @Benchmark
    public long sharedPairWritingContents() {
        MpsBuffer b = allocator.malloc(64 << 10, true);
        b.contents().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        allocator.free(b);
        return b.address();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
        device.close();
    }
}

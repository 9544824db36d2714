package io.heapscope.bench.jmh.host;

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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The cached 64 KiB pair with {@code cached} other buffers cached in the same pool (private small pool), of sizes
 * 4–60 KiB and 68–96 KiB mixed, so the best-fit lookup has smaller and larger neighbours at every size.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@State(Scope.Thread)
public class GrowthBenchmark {
    static final int SIZE = 64 << 10;

    @Param({"10", "1000", "100000"})
    public int cached;

    private HostDevice device;
    private HeapAllocator allocator;

    /** Fills the small private pool with {@code n} cached buffers around 64 KiB, plus one of 64 KiB. */
    static void fill(HeapAllocator allocator, int n) {
        List<MpsBuffer> held = new ArrayList<>(n + 1);
        held.add(allocator.malloc(SIZE, false));
        for (int i = 0; i < n; i++) {
            int pages = 1 + i % 23; // 1..23 pages, skipping 16 (64 KiB): 4..60 KiB and 68..92 KiB
            held.add(allocator.malloc((long) (pages >= 16 ? pages + 1 : pages) * 4096, false));
        }
        for (MpsBuffer b : held) {
            allocator.free(b);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        device = HostDevice.builder().capacity(32L << 30).build();
        allocator = HeapAllocator.builder(device).sinks(Set.of()).build();
        fill(allocator, cached);
    }

    @Benchmark
    public long heapscope() {
        MpsBuffer b = allocator.malloc(SIZE, false);
        allocator.free(b);
        return b.address();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
        device.close();
    }
}

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
 * Cache maintenance over {@value #CACHED} cached buffers, one operation per freshly filled allocator (the fill is
 * an untimed per-invocation setup): {@code emptyCache} (releases every cached buffer and every heap; small private
 * pool, 4–92 KiB buffers), and one garbage-collection pass (large private pool, 1.0–1.1 MiB buffers in 32 MiB heaps,
 * low watermark set 1% below the device's allocated size, so the pass scans every cached buffer and releases the
 * oldest ~1% of the bytes; the malloc that triggers it then creates one heap).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx3g"})
public class CacheMaintenanceBenchmark {
    static final int CACHED = 100_000;

    /** An allocator over a 64 GiB host device (lazily committed memory), high watermark 2.0. */
    @State(Scope.Thread)
    public abstract static class Filled {
        HostDevice device;
        HeapAllocator allocator;

        @Setup(Level.Invocation)
        public void setUp() {
            device = HostDevice.builder().capacity(64L << 30).build();
            allocator = HeapAllocator.builder(device).sinks(Set.of()).highWatermarkRatio(2.0).build();
            fill();
        }

        abstract void fill();

        @TearDown(Level.Invocation)
        public void tearDown() {
            allocator.close();
            device.close();
        }
    }

    public static class SmallPool extends Filled {
        @Override
        void fill() {
            GrowthBenchmark.fill(allocator, CACHED);
        }
    }

    public static class LargePool extends Filled {
        @Override
        void fill() {
            List<MpsBuffer> held = new ArrayList<>(CACHED);
            for (int i = 0; i < CACHED; i++) {
                held.add(allocator.malloc((1L << 20) + 4096L * (1 + i % 23), false));
            }
            for (MpsBuffer b : held) {
                allocator.free(b);
            }
            long current = allocator.getDriverAllocatedMemory();
            allocator.setLowWatermarkRatio(0.99 * current / allocator.getRecommendedMaxMemory());
        }
    }

    @Benchmark
    public long emptyCache(SmallPool s) {
        s.allocator.emptyCache();
        return s.allocator.getTotalAllocatedMemory();
    }

    @Benchmark
    public MpsBuffer gcPass(LargePool s) {
        return s.allocator.malloc(8L << 20, false); // no cached buffer fits: a GC pass, then a new heap
    }
}

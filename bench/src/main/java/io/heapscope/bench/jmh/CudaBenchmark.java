package io.heapscope.bench.jmh;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.Backends;
import io.heapscope.backend.cuda.CudaDevice;
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

import java.util.concurrent.TimeUnit;

/**
 * On a CUDA machine, side by side in one run: a cached malloc+free pair through the allocator on the host backend
 * (the floor), the same pair on the CUDA backend, and a raw cuMemAlloc+cuMemFree pair of the same size.
 * {@code scripts/device/run-cuda.sh} writes the JSON result file and prints the ratios with {@code JmhTable}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class CudaBenchmark {
    @Param({"4096", "1048576", "16777216"})
    public long size;

    private CudaDevice device;
    private HeapAllocator allocator;
    private HostDevice hostDevice;
    private HeapAllocator hostAllocator;

    @Setup(Level.Trial)
    public void setUp() {
        device = (CudaDevice) Backends.open("cuda").device();
        allocator = HeapAllocator.builder(device).sinks(java.util.Set.of()).build();
        allocator.free(allocator.malloc(size, false));
        hostDevice = HostDevice.builder().capacity(4L << 30).build();
        hostAllocator = HeapAllocator.builder(hostDevice).sinks(java.util.Set.of()).build();
        hostAllocator.free(hostAllocator.malloc(size, false));
    }

    @Benchmark
    public long cudaAllocatorPair() {
        MpsBuffer b = allocator.malloc(size, false);
        allocator.free(b);
        return b.address();
    }

    @Benchmark
    public long hostAllocatorPair() {
        MpsBuffer b = hostAllocator.malloc(size, false);
        hostAllocator.free(b);
        return b.address();
    }

    @Benchmark
    public void rawDriverPair() {
        device.rawAllocFreePair(size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
        device.close();
        hostAllocator.close();
        hostDevice.close();
    }
}

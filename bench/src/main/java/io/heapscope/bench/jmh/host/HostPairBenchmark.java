package io.heapscope.bench.jmh.host;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.host.HostDevice;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
 * One allocation and its release, side by side: Heapscope's cached pair (SILENT, no sink; the buffer is recycled
 * every time), Netty 4.2's pooled direct allocator (thread cache able to hold 64 KiB), Netty's adaptive allocator,
 * and libc malloc+free through FFM.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.allocator.maxCachedBufferCapacity=65536",
        "-Dio.netty.leakDetection.level=disabled",
        // Netty's fastest path on JDK 25: Unsafe and direct-buffer internals open to it
        "--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true"})
@State(Scope.Thread)
public class HostPairBenchmark {
    @Param({"4096", "65536"})
    public int size;

    private HostDevice device;
    private HeapAllocator allocator;
    private PooledByteBufAllocator pooled;
    private AdaptiveByteBufAllocator adaptive;

    @Setup(Level.Trial)
    public void setUp() {
        device = HostDevice.builder().capacity(1L << 30).build();
        allocator = HeapAllocator.builder(device).sinks(Set.of()).build();
        allocator.free(allocator.malloc(size, false));
        pooled = Peers.nettyPooled();
        adaptive = new AdaptiveByteBufAllocator(true, true);
    }

    @Benchmark
    public long heapscope() {
        MpsBuffer b = allocator.malloc(size, false);
        allocator.free(b);
        return b.address();
    }

    @Benchmark
    public boolean nettyPooled() {
        ByteBuf b = pooled.directBuffer(size, size);
        return b.release();
    }

    @Benchmark
    public boolean nettyAdaptive() {
        ByteBuf b = adaptive.directBuffer(size, size);
        return b.release();
    }

    @Benchmark
    public long libc() throws Throwable {
        return Peers.libcPair(size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
        device.close();
    }
}

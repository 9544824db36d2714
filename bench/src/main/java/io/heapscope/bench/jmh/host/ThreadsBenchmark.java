package io.heapscope.bench.jmh.host;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.host.HostDevice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of cached 4 KiB pairs on ONE shared allocator with 1 and 2 threads (pairs per µs, all threads
 * together), Heapscope against Netty's pooled allocator; and Heapscope with 4 threads (more than this machine's 2 cores).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.allocator.maxCachedBufferCapacity=65536",
        "-Dio.netty.leakDetection.level=disabled",
        // Netty's fastest path on JDK 25: Unsafe and direct-buffer internals open to it
        "--sun-misc-unsafe-memory-access=allow", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-Dio.netty.tryReflectionSetAccessible=true"})
@State(Scope.Benchmark)
public class ThreadsBenchmark {
    static final int SIZE = 4096;

    private HostDevice device;
    private HeapAllocator allocator;
    private PooledByteBufAllocator pooled;

    @Setup(Level.Trial)
    public void setUp() {
        device = HostDevice.builder().capacity(1L << 30).build();
        allocator = HeapAllocator.builder(device).sinks(Set.of()).build();
        MpsBuffer a = allocator.malloc(SIZE, false);
        MpsBuffer b = allocator.malloc(SIZE, false);
        allocator.free(a);
        allocator.free(b);
        pooled = Peers.nettyPooled();
    }

    private long heapscopePair() {
        MpsBuffer b = allocator.malloc(SIZE, false);
        allocator.free(b);
        return b.address();
    }

    private boolean nettyPair() {
        ByteBuf b = pooled.directBuffer(SIZE, SIZE);
        return b.release();
    }

    @Benchmark
    @Threads(1)
    public long heapscope1Thread() {
        return heapscopePair();
    }

    @Benchmark
    @Threads(2)
    public long heapscope2Threads() {
        return heapscopePair();
    }

    /** More threads than cores: waiters must not take the CPU from a preempted owner. */
    @Benchmark
    @Threads(4)
    public long heapscope4Threads() {
        return heapscopePair();
    }

    @Benchmark
    @Threads(1)
    public boolean nettyPooled1Thread() {
        return nettyPair();
    }

    @Benchmark
    @Threads(2)
    public boolean nettyPooled2Threads() {
        return nettyPair();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        allocator.close();
        device.close();
    }
}

package io.heapscope.bench.jmh.agent;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What the agent costs an application: the same two operations, each subclass forking a JVM with a different agent
 * setting (none, SILENT, JFR, JFR + OTel). Run from the repository root, after {@code mvn package}: the forks load
 * {@code agent/target/heapscope-agent.jar}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public abstract class AgentOverhead {
    private final PooledByteBufAllocator pooled = new PooledByteBufAllocator(true);

    /** {@code ByteBuffer.allocateDirect(4096)}; the buffer is dropped, so its cleaner's release is paid too. */
    @Benchmark
    public ByteBuffer allocateDirect() {
        return ByteBuffer.allocateDirect(4096);
    }

    /** A pooled Netty direct buffer allocated and released (recycled from the thread cache). */
    @Benchmark
    public int nettyPooled() {
        ByteBuf b = pooled.directBuffer(4096);
        int c = b.capacity();
        b.release();
        return c;
    }
}

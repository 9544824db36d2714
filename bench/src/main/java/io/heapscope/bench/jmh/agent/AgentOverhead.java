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

    /**
     * {@code ByteBuffer.allocateDirect(4096)} freed at once through its cleaner (as Netty does), so no GC is involved:
     * the allocation and the release hooks both run on this thread.
     */
    @Benchmark
    public int allocateDirectAndClean() {
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        int c = b.capacity();
        try {
            CLEAN.invoke(CLEANER.invoke(b));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return c;
    }

    /** {@code sun.nio.ch.DirectBuffer.cleaner()} and {@code jdk.internal.ref.Cleaner.clean()}, exported to the forks. */
    private static final java.lang.invoke.MethodHandle CLEANER;
    private static final java.lang.invoke.MethodHandle CLEAN;

    static {
        try {
            var lookup = java.lang.invoke.MethodHandles.lookup(); // the forks export both packages to the unnamed module
            Class<?> directBuffer = Class.forName("sun.nio.ch.DirectBuffer");
            Class<?> cleaner = Class.forName("jdk.internal.ref.Cleaner");
            CLEANER = lookup.findVirtual(directBuffer, "cleaner", java.lang.invoke.MethodType.methodType(cleaner))
                    .asType(java.lang.invoke.MethodType.methodType(Object.class, ByteBuffer.class));
            CLEAN = lookup.findVirtual(cleaner, "clean", java.lang.invoke.MethodType.methodType(void.class))
                    .asType(java.lang.invoke.MethodType.methodType(void.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
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

package io.heapscope.agent.hooks;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Netty 4.1/4.2 direct buffers ({@code io.netty:netty-buffer}); heap buffers are on the Java heap and not reported.
 * Off-heap memory Netty obtains is an allocation under framework {@value #FRAMEWORK}, with the mechanism it went
 * through (ffm, unsafe, jdk.direct) as an attribute and not reported again under that mechanism:
 * <ul>
 * <li>Adaptive ({@code AdaptiveByteBufAllocator}, 4.2's default): a chunk is new when
 * {@code AdaptiveByteBufAllocator$DirectChunkAllocator.allocate} makes one, reused when a magazine takes a cached one
 * ({@code Chunk.attachToMagazine} without a new chunk), freed in {@code Chunk.deallocate}; a buffer
 * ({@code AdaptivePoolingAllocator.allocate}) is a pooled allocation (fresh when it needed a new chunk, else recycled
 * from a magazine), its {@code AdaptiveByteBuf.deallocate} a pooled free.</li>
 * <li>Pooled ({@code PooledByteBufAllocator}, 4.1's default): {@code PoolArena$DirectArena.newChunk/newUnpooledChunk}
 * allocations and {@code destroyChunk} frees; {@code PoolArena.allocate} pooled allocations (fresh if a chunk was made
 * for them) and {@code PoolArena.free} pooled frees (the pool's normalized size).</li>
 * <li>Unpooled ({@code UnpooledByteBufAllocator.newDirectBuffer} and the direct buffers' {@code deallocate}):
 * allocations and frees of the buffer's capacity; zero-capacity buffers allocate nothing and are not reported.</li>
 * </ul>
 */
public final class NettyHook implements FrameworkHook {
    public static final String FRAMEWORK = "netty";
    private static final String BUF = "io.netty.buffer.";

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public String testedWith() {
        return "netty-buffer 4.1.138.Final, 4.2.20.Final";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("io.netty.buffer.");
    }

    @Override
    public java.util.List<String> libraryPrefixes() {
        return java.util.List.of("io.netty.");
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder
                // pooled
                .type(named(BUF + "PoolArena"), Library.has(BUF + "PoolArena", BUF + "PoolChunkMetric"))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(PooledAllocateAdvice.class).on(named("allocate").and(takesArguments(3))
                                .and(takesArgument(1, int.class))))
                        .visit(Advice.to(PooledFreeAdvice.class).on(named("free").and(takesArguments(5)))))
                .type(named(BUF + "PoolArena$DirectArena"), Library.has(BUF + "PoolChunkMetric"))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(NewChunkAdvice.class).on(named("newChunk").or(named("newUnpooledChunk"))
                                .and(not(isAbstract()))))
                        .visit(Advice.to(DestroyChunkAdvice.class).on(named("destroyChunk").and(not(isAbstract())))))
                // unpooled
                .type(named(BUF + "UnpooledByteBufAllocator"))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(UnpooledAllocateAdvice.class)
                        .on(named("newDirectBuffer").and(takesArguments(2)))))
                .type(nameStartsWith(BUF + "Unpooled").and(nameContains("Direct"))
                        .and(not(nameStartsWith(BUF + "UnpooledByteBufAllocator$")))
                        .and(hasSuperType(named(BUF + "ByteBuf"))))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(UnpooledFreeAdvice.class)
                        .on(named("deallocate").and(takesArguments(0)).and(not(isAbstract())))))
                // adaptive
                .type(named(BUF + "AdaptivePoolingAllocator"),
                        Library.has(BUF + "AdaptivePoolingAllocator$Chunk", BUF + "AdaptivePoolingAllocator$AdaptiveByteBuf"))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(AdaptiveAllocateAdvice.class)
                        .on(named("allocate").and(takesArguments(int.class, int.class)))))
                .type(named(BUF + "AdaptiveByteBufAllocator$DirectChunkAllocator"))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(AdaptiveNewChunkAdvice.class)
                        .on(named("allocate").and(takesArguments(int.class, int.class)))))
                .type(named(BUF + "AdaptivePoolingAllocator$Chunk"))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(AdaptiveChunkAttachAdvice.class).on(named("attachToMagazine")))
                        .visit(Advice.to(AdaptiveChunkFreeAdvice.class).on(named("deallocate").and(takesArguments(0)))))
                .type(named(BUF + "AdaptivePoolingAllocator$AdaptiveByteBuf"))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(AdaptiveBufferFreeAdvice.class)
                        .on(named("deallocate").and(takesArguments(0)))));
    }

    static final class PooledAllocateAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Argument(1) int reqCapacity, @Advice.Return Object buf) {
            try {
                if (token == 1 && buf != null && ((io.netty.buffer.ByteBuf) buf).isDirect()) {
                    HeapscopeDispatch.event("netty", HeapscopeDispatch.POOLED_ALLOCATE, 0, reqCapacity, null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class PooledFreeAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object arena, @Advice.Argument(3) int normCapacity) {
            if (arena.getClass().getName().endsWith("DirectArena")) {
                HeapscopeDispatch.event("netty", HeapscopeDispatch.POOLED_FREE, 0, normCapacity, null);
            }
        }
    }

    static final class NewChunkAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Return Object chunk) {
            try {
                if (token != 0 && chunk != null) {
                    HeapscopeDispatch.event("netty", HeapscopeDispatch.ALLOCATE, 0,
                            ((io.netty.buffer.PoolChunkMetric) chunk).chunkSize(), null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class DestroyChunkAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Argument(0) Object chunk) {
            try {
                if (token != 0) {
                    HeapscopeDispatch.event("netty", HeapscopeDispatch.FREE, 0,
                            ((io.netty.buffer.PoolChunkMetric) chunk).chunkSize(), null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class UnpooledAllocateAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Return Object buf) {
            try {
                if (token == 1 && buf != null) {
                    int capacity = ((io.netty.buffer.ByteBuf) buf).capacity();
                    if (capacity > 0) {
                        HeapscopeDispatch.event("netty", HeapscopeDispatch.ALLOCATE, 0, capacity, null);
                    }
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class UnpooledFreeAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.This Object self) {
            try {
                if (token == 1) {
                    int capacity = ((io.netty.buffer.ByteBuf) self).capacity();
                    if (capacity > 0) {
                        HeapscopeDispatch.event("netty", HeapscopeDispatch.FREE, 0, capacity, null);
                    }
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class AdaptiveAllocateAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Argument(0) int size, @Advice.Return Object buf) {
            try {
                if (token == 1 && buf != null && ((io.netty.buffer.ByteBuf) buf).isDirect()) {
                    HeapscopeDispatch.event("netty", HeapscopeDispatch.POOLED_ALLOCATE, 0, size, null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class AdaptiveNewChunkAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Return Object chunk) {
            try {
                if (token != 0 && chunk != null) {
                    HeapscopeDispatch.event("netty", HeapscopeDispatch.ALLOCATE, 0,
                            ((io.netty.buffer.ByteBuf) chunk).capacity(), null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    /** A chunk taken into a magazine: a reuse, unless the same allocation just made it. */
    static final class AdaptiveChunkAttachAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.FieldValue("delegate") Object delegate) {
            io.netty.buffer.ByteBuf memory = (io.netty.buffer.ByteBuf) delegate;
            if (memory != null && memory.isDirect()) {
                HeapscopeDispatch.event("netty", HeapscopeDispatch.CHUNK_REUSE, 0, memory.capacity(), null);
            }
        }
    }

    static final class AdaptiveChunkFreeAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("netty", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.FieldValue("delegate") Object delegate) {
            try {
                io.netty.buffer.ByteBuf memory = (io.netty.buffer.ByteBuf) delegate;
                // also inside another Netty scope: a magazine releases emptied chunks while it allocates
                if (token != 0 && memory != null && memory.isDirect()) {
                    HeapscopeDispatch.event("netty", HeapscopeDispatch.FREE, 0, memory.capacity(), null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class AdaptiveBufferFreeAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object self) {
            io.netty.buffer.ByteBuf buf = (io.netty.buffer.ByteBuf) self;
            if (buf.isDirect()) {
                HeapscopeDispatch.event("netty", HeapscopeDispatch.POOLED_FREE, 0, buf.capacity(), null);
            }
        }
    }
}

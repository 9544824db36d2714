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
 * Netty 4.x buffers ({@code io.netty:netty-buffer}). Pooled ({@code PooledByteBufAllocator}): an allocation
 * ({@code PoolArena.allocate}) during which the arena made a new chunk ({@code newChunk}/{@code newUnpooledChunk}) is a
 * buffer allocation, any other is a recycle of pooled memory; {@code PoolArena.free} (back to the chunk or the thread
 * cache) is a free; a new chunk is a heap allocation and {@code destroyChunk} a heap release. Unpooled
 * ({@code UnpooledByteBufAllocator.newDirectBuffer/newHeapBuffer} and the buffers' {@code deallocate}) are allocations
 * and releases (sliced and duplicated views free nothing of their own and are not hooked; the allocator's instrumented subclasses call their base class's {@code deallocate}, which alone is
 * hooked, so each release counts once). Sizes are the requested capacity (allocations) and the pool's normalized size (frees). Framework
 * name: {@value #FRAMEWORK}. Netty classes load with the application, so this hook works whenever they appear.
 */
public final class NettyHook implements FrameworkHook {
    public static final String FRAMEWORK = "netty";

    @Override
    public String name() {
        return "netty";
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder
                .type(named("io.netty.buffer.PoolArena"))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(AllocateAdvice.class).on(named("allocate").and(takesArguments(3))
                                .and(takesArgument(1, int.class))))
                        .visit(Advice.to(FreeAdvice.class).on(named("free").and(takesArguments(5)))))
                .type(nameStartsWith("io.netty.buffer.").and(hasSuperType(named("io.netty.buffer.PoolArena")))
                        .and(not(isAbstract())))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(NewChunkAdvice.class).on(named("newChunk").or(named("newUnpooledChunk"))
                                .and(not(isAbstract()))))
                        .visit(Advice.to(DestroyChunkAdvice.class).on(named("destroyChunk").and(not(isAbstract())))))
                .type(named("io.netty.buffer.UnpooledByteBufAllocator"))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(UnpooledAllocateAdvice.class)
                        .on(named("newDirectBuffer").or(named("newHeapBuffer")).and(takesArguments(2)))))
                .type(nameStartsWith("io.netty.buffer.Unpooled").and(not(nameStartsWith("io.netty.buffer.UnpooledByteBufAllocator$")))
                        .and(not(nameContains("Sliced"))).and(not(nameContains("Duplicated")))
                        .and(hasSuperType(named("io.netty.buffer.ByteBuf"))))
                .transform((b, t, l, m, d) -> b.visit(Advice.to(UnpooledReleaseAdvice.class)
                        .on(named("deallocate").and(takesArguments(0)).and(not(isAbstract())))));
    }

    static final class AllocateAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter() {
            HeapscopeDispatch.poolEvent("netty", HeapscopeDispatch.POOL_ALLOCATE_ENTER, 0);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Argument(1) int reqCapacity, @Advice.Thrown Throwable thrown) {
            if (thrown == null) {
                HeapscopeDispatch.poolEvent("netty", HeapscopeDispatch.POOL_ALLOCATE_EXIT, reqCapacity);
            }
        }
    }

    static final class FreeAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(3) int normCapacity) {
            HeapscopeDispatch.poolEvent("netty", HeapscopeDispatch.POOL_FREE, normCapacity);
        }
    }

    static final class NewChunkAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Object chunk) {
            if (chunk != null) {
                HeapscopeDispatch.poolEvent("netty", HeapscopeDispatch.POOL_CHUNK_NEW,
                        ((io.netty.buffer.PoolChunkMetric) chunk).chunkSize());
            }
        }
    }

    static final class DestroyChunkAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) Object chunk) {
            HeapscopeDispatch.poolEvent("netty", HeapscopeDispatch.POOL_CHUNK_DESTROY,
                    ((io.netty.buffer.PoolChunkMetric) chunk).chunkSize());
        }
    }

    static final class UnpooledAllocateAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Object buf) {
            if (buf != null) {
                HeapscopeDispatch.poolEvent("netty", HeapscopeDispatch.UNPOOLED_ALLOCATE,
                        ((io.netty.buffer.ByteBuf) buf).capacity());
            }
        }
    }

    static final class UnpooledReleaseAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object self) {
            HeapscopeDispatch.poolEvent("netty", HeapscopeDispatch.UNPOOLED_RELEASE,
                    ((io.netty.buffer.ByteBuf) self).capacity());
        }
    }
}

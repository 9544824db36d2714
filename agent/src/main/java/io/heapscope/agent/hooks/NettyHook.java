package io.heapscope.agent.hooks;

import io.heapscope.agent.weave.Code.Condition;
import io.heapscope.agent.weave.Code.Value;
import io.heapscope.agent.weave.MethodHook;

import java.util.List;
import java.util.function.Predicate;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE_TRACKED;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.CHUNK_REUSE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.FREE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.POOLED_ALLOCATE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.POOLED_FREE;
import static io.heapscope.agent.weave.Code.*;

/**
 * Netty 4.1/4.2 direct buffers ({@code io.netty:netty-buffer}); heap buffers are on the Java heap and not reported.
 * Off-heap memory Netty obtains is an allocation under framework {@value #FRAMEWORK}, with the mechanism it went
 * through (ffm, unsafe, jdk.direct, or {@value #MALLOC}: 4.2's {@code CleanerJava24Linker} downcalls on JDK 24+ with
 * native access) as an attribute and not reported again under that mechanism:
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
    /** Types of the application's Netty that the woven code calls (it runs inside Netty's classes, which see them). */
    private static final String BYTE_BUF = BUF + "ByteBuf";
    private static final String CHUNK_METRIC = BUF + "PoolChunkMetric";
    /** Netty 4.2 on JDK 24+ with native access: {@code malloc}/{@code free} through FFM downcalls. */
    private static final String LINKER = "io.netty.util.internal.CleanerJava24Linker";
    /** The mechanism name of that memory (the framework of its events outside a Netty scope). */
    public static final String MALLOC = "malloc";

    @Override
    public String name() {
        return "netty";
    }


    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("io.netty.buffer.", LINKER);
    }

    @Override
    public java.util.List<String> libraryPrefixes() {
        return java.util.List.of("io.netty.");
    }

    @Override
    public List<MethodHook> methodHooks() {
        Predicate<ClassLoader> pooled = Library.has(BUF + "PoolArena", CHUNK_METRIC);
        Predicate<ClassLoader> chunks = Library.has(CHUNK_METRIC);
        Predicate<ClassLoader> adaptive = Library.has(BUF + "AdaptivePoolingAllocator$Chunk",
                BUF + "AdaptivePoolingAllocator$AdaptiveByteBuf");
        Value arenaClass = self().call("java.lang.Object", "getClass", "()Ljava/lang/Class;")
                .call("java.lang.Class", "getName", "()Ljava/lang/String;");
        return List.of(
                // pooled: PoolArena.allocate(cache, reqCapacity, maxCapacity), free(chunk, nioBuffer, handle, normCapacity, cache)
                MethodHook.in(BUF + "PoolArena").onlyIf(pooled).method("allocate").args(3).arg(1, INT)
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(when(and(equal(entered(), 1), notNull(returned()), isDirect(returned())),
                                        event(FRAMEWORK, POOLED_ALLOCATE, ZERO, arg(1), NULL)),
                                exitScope()),
                MethodHook.in(BUF + "PoolArena").onlyIf(pooled).method("free").args(5)
                        .atEntry(when(isTrue(arenaClass.call("java.lang.String", "endsWith", "(Ljava/lang/String;)Z",
                                        constant("DirectArena"))),
                                event(FRAMEWORK, POOLED_FREE, ZERO, arg(3), NULL))),
                MethodHook.in(BUF + "PoolArena$DirectArena").onlyIf(chunks).method("newChunk", "newUnpooledChunk")
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(when(and(notZero(entered()), notNull(returned())),
                                        event(FRAMEWORK, ALLOCATE, ZERO, chunkSize(returned()), NULL)),
                                exitScope()),
                MethodHook.in(BUF + "PoolArena$DirectArena").onlyIf(chunks).method("destroyChunk")
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(when(notZero(entered()), event(FRAMEWORK, FREE, ZERO, chunkSize(arg(0)), NULL)),
                                exitScope()),
                // unpooled
                MethodHook.in(BUF + "UnpooledByteBufAllocator").method("newDirectBuffer").args(2)
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(when(and(equal(entered(), 1), notNull(returned())),
                                        let(capacity(returned()), capacity -> when(positive(capacity),
                                                event(FRAMEWORK, ALLOCATE, ZERO, capacity, NULL)))),
                                exitScope()),
                MethodHook.inClasses(BUF + "Unpooled", name -> name.contains("Direct")
                                && !name.startsWith(BUF + "UnpooledByteBufAllocator$"))
                        .extending(BYTE_BUF).method("deallocate").args(0)
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(when(equal(entered(), 1),
                                        let(capacity(self()), capacity -> when(positive(capacity),
                                                event(FRAMEWORK, FREE, ZERO, capacity, NULL)))),
                                exitScope()),
                // adaptive
                MethodHook.in(BUF + "AdaptivePoolingAllocator").onlyIf(adaptive).method("allocate").args(INT, INT)
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(when(and(equal(entered(), 1), notNull(returned()), isDirect(returned())),
                                        event(FRAMEWORK, POOLED_ALLOCATE, ZERO, arg(0), NULL)),
                                exitScope()),
                MethodHook.in(BUF + "AdaptiveByteBufAllocator$DirectChunkAllocator").method("allocate").args(INT, INT)
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(when(and(notZero(entered()), notNull(returned())),
                                        event(FRAMEWORK, ALLOCATE, ZERO, capacity(returned()), NULL)),
                                exitScope()),
                // a chunk taken into a magazine: a reuse, unless the same allocation just made it
                MethodHook.in(BUF + "AdaptivePoolingAllocator$Chunk").method("attachToMagazine")
                        .atEntry(let(field("delegate"), memory -> when(and(notNull(memory), isDirect(memory)),
                                event(FRAMEWORK, CHUNK_REUSE, ZERO, capacity(memory), NULL)))),
                // also inside another Netty scope: a magazine releases emptied chunks while it allocates
                MethodHook.in(BUF + "AdaptivePoolingAllocator$Chunk").method("deallocate").args(0)
                        .atEntry(enterScope(FRAMEWORK, NULL))
                        .atExit(let(field("delegate"), memory -> when(and(notZero(entered()), notNull(memory),
                                        isDirect(memory)), event(FRAMEWORK, FREE, ZERO, capacity(memory), NULL))),
                                exitScope()),
                MethodHook.in(BUF + "AdaptivePoolingAllocator$AdaptiveByteBuf").method("deallocate").args(0)
                        .atEntry(when(isDirect(self()), event(FRAMEWORK, POOLED_FREE, ZERO, capacity(self()), NULL))),
                // below: 4.2's malloc(int) and free(long) downcalls, named as the mechanism of the Netty event they
                // serve (inside a Netty scope they are not reported on their own)
                MethodHook.in(LINKER).method("malloc").args(INT)
                        .atReturn(when(notZero(returned()), event(MALLOC, ALLOCATE_TRACKED, returned(), arg(0), NULL))),
                MethodHook.in(LINKER).method("free").args(LONG)
                        .atEntry(when(notZero(arg(0)), event(MALLOC, FREE, arg(0), constant(-1), NULL))));
    }

    /** {@code ((ByteBuf) buf).isDirect()}. */
    private static Condition isDirect(Value buf) {
        return isTrue(buf.call(BYTE_BUF, "isDirect", "()Z"));
    }

    /** {@code ((ByteBuf) buf).capacity()}. */
    private static Value capacity(Value buf) {
        return buf.call(BYTE_BUF, "capacity", "()I");
    }

    /** {@code ((PoolChunkMetric) chunk).chunkSize()}. */
    private static Value chunkSize(Value chunk) {
        return chunk.callInterface(CHUNK_METRIC, "chunkSize", "()I");
    }
}

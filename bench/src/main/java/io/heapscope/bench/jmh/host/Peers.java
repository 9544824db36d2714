package io.heapscope.bench.jmh.host;

import io.netty.buffer.PooledByteBufAllocator;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The peers the allocator's hot path is compared with: Netty's pooled allocator and libc through FFM. */
@SuppressWarnings("restricted") // libc's malloc/free downcalls; the forks run with --enable-native-access
final class Peers {
    private static final Linker LINKER = Linker.nativeLinker();
    static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_LONG), Linker.Option.critical(false));
    static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ADDRESS), Linker.Option.critical(false));

    private Peers() {
    }

    /**
     * Netty's pooled direct allocator with a thread cache for every thread and buffers up to 64 KiB cached there
     * (Netty's default caches only up to 32 KiB: {@code io.netty.allocator.maxCachedBufferCapacity}, set by the
     * benchmarks' forks to 65536).
     */
    static PooledByteBufAllocator nettyPooled() {
        return new PooledByteBufAllocator(true, 0, 2, 8192, 9, 256, 64, true);
    }

    static long libcPair(long size) throws Throwable {
        MemorySegment p = (MemorySegment) MALLOC.invokeExact(size);
        FREE.invokeExact(p);
        return p.address();
    }
}

package io.heapscope.agent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Child-JVM workload: sun.misc.Unsafe blocks (one reallocated), FFM segments in a confined arena that is then closed,
 * one direct buffer, and a free of an address no hook saw. Sizes are unique so the test can find them.
 */
public final class NativeWorkload {
    public static final long UNSAFE_BASE = 111_111;
    public static final long REALLOC_TO = 222_222;
    public static final long FFM_BASE = 55_555;
    public static final int N = 3;

    public static void main(String[] args) throws Throwable {
        UnsafeAccess u = new UnsafeAccess();
        long sum = 0;
        long[] blocks = new long[N];
        for (int i = 0; i < N; i++) {
            blocks[i] = u.allocateMemory(UNSAFE_BASE + i);
        }
        blocks[0] = u.reallocateMemory(blocks[0], REALLOC_TO);
        for (long b : blocks) {
            u.freeMemory(b);
        }
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < N; i++) {
                MemorySegment s = arena.allocate(FFM_BASE + i);
                s.set(ValueLayout.JAVA_BYTE, 0, (byte) i);
                sum += s.get(ValueLayout.JAVA_BYTE, 0) + s.byteSize();
            }
        }
        sum += ByteBuffer.allocateDirect(33_333).capacity();
        // a free of memory no hook saw as "unsafe" (the global arena never frees it itself): not reported
        u.freeMemory(Arena.global().allocate(4096).address());
        System.out.println("done " + sum);
    }
}

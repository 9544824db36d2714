package io.heapscope.agent;


/**
 * Child-JVM workload for a small heap: {@value #LIVE} live {@code Unsafe} blocks at once, then all freed. The agent's
 * address map must not push this onto the Java heap. Prints "done" and the time taken.
 */
public final class UnsafeFloodWorkload {
    public static final int LIVE = 1_000_000;
    public static final long SIZE = 24;

    public static void main(String[] args) throws Throwable {
        UnsafeAccess u = new UnsafeAccess();
        long start = System.nanoTime();
        long[] blocks = new long[LIVE];
        for (int i = 0; i < LIVE; i++) {
            blocks[i] = u.allocateMemory(SIZE);
        }
        for (long b : blocks) {
            u.freeMemory(b);
        }
        System.out.println("done " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }
}

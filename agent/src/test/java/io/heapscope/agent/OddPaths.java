package io.heapscope.agent;

import java.nio.ByteBuffer;

/** Paths an agent must survive: zero-size buffers, a huge request that fails, and the results must stay right. */
final class OddPaths {
    private OddPaths() {
    }

    static long run() {
        long sum = 0;
        ByteBuffer zero = ByteBuffer.allocateDirect(0);
        sum += zero.capacity();
        try {
            ByteBuffer.allocateDirect(Integer.MAX_VALUE); // more than -XX:MaxDirectMemorySize allows in the test
            sum += 1_000_000;
        } catch (OutOfMemoryError expected) {
            sum += 0;
        }
        ByteBuffer small = ByteBuffer.allocateDirect(7);
        small.put(6, (byte) 42);
        sum += small.get(6);
        return sum;
    }
}

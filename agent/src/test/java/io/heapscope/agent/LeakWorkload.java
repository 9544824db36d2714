package io.heapscope.agent;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM workload with a known leak: {@link #leak} keeps {@value #LEAKS} direct buffers of {@value #LEAK_SIZE}
 * bytes forever (line {@value #LEAK_LINE}); {@link #churn} allocates and drops buffers that their cleaners free.
 */
public final class LeakWorkload {
    public static final int LEAKS = 20;
    public static final int LEAK_SIZE = 65_536;
    public static final int LEAK_LINE = 28;
    private static final List<ByteBuffer> KEPT = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < LEAKS; i++) {
            leak();
            churn();
        }
        System.gc();
        Thread.sleep(500); // the churned buffers' cleaners run
        System.out.println("done " + KEPT.size());
    }

    static void leak() {
        KEPT.add(ByteBuffer.allocateDirect(LEAK_SIZE));
    }

    static void churn() {
        for (int i = 0; i < 10; i++) {
            ByteBuffer.allocateDirect(1000 + i).put(0, (byte) i);
        }
    }
}

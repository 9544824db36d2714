package io.heapscope.agent;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** A JVM that waits for a file to appear (the agent is attached meanwhile), then allocates direct buffers. */
public final class AttachTarget {
    public static final int COUNT = 4;
    public static final int SIZE = 77_777;

    public static void main(String[] args) throws Exception {
        System.out.println("ready");
        System.out.flush();
        Path go = Path.of(args[0]);
        for (int i = 0; i < 600 && !Files.exists(go); i++) {
            Thread.sleep(50);
        }
        long sum = 0;
        for (int i = 0; i < COUNT; i++) {
            sum += ByteBuffer.allocateDirect(SIZE).capacity();
        }
        System.out.println("done " + sum);
    }
}

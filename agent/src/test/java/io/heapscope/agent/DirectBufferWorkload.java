package io.heapscope.agent;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM workload: allocates direct buffers of sizes no JDK internal uses (123,457 + i bytes), drops them and
 * waits until their cleaners have run. Prints "done" and the checksum it computed.
 */
public final class DirectBufferWorkload {
    public static final int COUNT = 10;
    public static final int BASE = 123_457;

    public static void main(String[] args) throws Exception {
        long sum = 0;
        List<WeakReference<ByteBuffer>> refs = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(BASE + i);
            b.put(0, (byte) i);
            sum += b.get(0) + b.capacity();
            refs.add(new WeakReference<>(b));
        }
        if (args.length > 0 && args[0].equals("odd")) {
            sum += OddPaths.run();
        }
        for (int round = 0; round < 100 && refs.stream().anyMatch(r -> r.get() != null); round++) {
            System.gc();
            Thread.sleep(20);
        }
        System.gc();
        Thread.sleep(300); // cleaners run on their own thread after the references clear
        System.out.println("done " + sum);
    }
}

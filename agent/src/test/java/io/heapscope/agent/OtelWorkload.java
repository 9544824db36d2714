package io.heapscope.agent;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.MpsOutOfMemoryException;
import io.heapscope.backend.host.HostDevice;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM workload of {@link OpenTelemetryIT}: waits (up to 90 s) until the agent has decided its OpenTelemetry
 * (system property {@code heapscope.agent.otel}), then holds {@link #DIRECT_BUFFERS} direct buffers, FFM segments of
 * {@link #FFM_BYTES} and two buffers of a Heapscope allocator named {@code otel-it}, and makes {@link #FAILURES}
 * allocations fail. With {@code wait}: prints "holding", waits for a line on stdin, releases everything, prints
 * "released", waits for another line. Prints "otel STATUS" and "done CHECKSUM".
 */
public final class OtelWorkload {
    public static final int DIRECT_BUFFERS = 4;
    public static final int DIRECT_SIZE = 1_048_593;
    public static final long DIRECT_BYTES = (long) DIRECT_BUFFERS * DIRECT_SIZE;
    public static final long FFM_BYTES = 3 * 65_537;
    public static final int FAILURES = 40;
    public static final String ALLOCATOR = "otel-it";

    public static void main(String[] args) throws Exception {
        boolean wait = args.length > 0 && args[0].equals("wait");
        for (int i = 0; i < 1800 && System.getProperty("heapscope.agent.otel") == null; i++) {
            Thread.sleep(50);
        }
        System.out.println("otel " + System.getProperty("heapscope.agent.otel"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        long sum = 0;
        List<ByteBuffer> direct = new ArrayList<>();
        for (int i = 0; i < DIRECT_BUFFERS; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(DIRECT_SIZE);
            b.put(i, (byte) 1);
            direct.add(b);
            sum += b.capacity();
        }
        Arena arena = Arena.ofShared();
        for (int i = 0; i < 3; i++) {
            MemorySegment s = arena.allocate(65_537);
            s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 2);
            sum += s.byteSize();
        }
        int failures = 0;
        try (HostDevice d = HostDevice.builder().capacity(64L << 20).maxBufferLength(1L << 40).build();
             HeapAllocator a = HeapAllocator.builder(d).name(ALLOCATOR).build()) {
            MpsBuffer b1 = a.malloc(1 << 20, false); // default sinks (jfr, otel): the agent replaces its otel one
            MpsBuffer b2 = a.malloc(3 << 20, false);
            int flood = Integer.getInteger("flood", 0); // direct buffers (two spans each) around each failure
            for (int i = 0; i < FAILURES; i++) {
                for (int j = 0; j < flood; j++) {
                    ByteBuffer.allocateDirect(64 + (j & 63)).put(0, (byte) j);
                }
                try {
                    a.malloc(1L << 30, false);
                } catch (MpsOutOfMemoryException e) {
                    failures++;
                }
            }
            sum += failures;
            if (wait) {
                System.out.println("holding");
                in.readLine();
            }
            a.free(b1);
            a.free(b2);
            a.emptyCache();
        }
        arena.close();
        List<WeakReference<ByteBuffer>> refs = new ArrayList<>();
        direct.forEach(b -> refs.add(new WeakReference<>(b)));
        direct.clear();
        for (int round = 0; round < 200 && refs.stream().anyMatch(r -> r.get() != null); round++) {
            System.gc();
            Thread.sleep(20);
        }
        Thread.sleep(300); // cleaners run on their own thread after the references clear
        if (wait) {
            System.out.println("released");
            in.readLine();
        }
        System.out.println("failures " + failures);
        System.out.println("done " + sum);
    }
}

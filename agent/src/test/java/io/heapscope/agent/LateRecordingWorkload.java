package io.heapscope.agent;

import jdk.jfr.Recording;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM workload for an agent started without a recording of its own: allocates direct buffers while no recording
 * exists (nothing can keep them), then starts a JFR recording itself, allocates {@link DirectBufferWorkload#COUNT}
 * buffers of {@link DirectBufferWorkload#BASE} + i bytes, and dumps the recording to {@code args[0]}.
 */
public final class LateRecordingWorkload {
    public static final int EARLY = 5;
    public static final int EARLY_BASE = 98_765;

    public static void main(String[] args) throws Exception {
        List<ByteBuffer> kept = new ArrayList<>();
        for (int i = 0; i < EARLY; i++) {
            kept.add(ByteBuffer.allocateDirect(EARLY_BASE + i));
        }
        try (Recording r = new Recording()) {
            r.enable("heapscope.OffHeapAllocation");
            r.start();
            for (int i = 0; i < DirectBufferWorkload.COUNT; i++) {
                kept.add(ByteBuffer.allocateDirect(DirectBufferWorkload.BASE + i));
            }
            r.stop();
            r.dump(Path.of(args[0]));
        }
        System.out.println("done " + kept.size());
    }
}

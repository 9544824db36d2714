package io.heapscope.agent.timeline;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.MpsOutOfMemoryException;
import io.heapscope.backend.host.HostDevice;
import jdk.jfr.Recording;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real workload recorded to JFR in this JVM: the Heapscope allocator on a 256 MiB host device, with three
 * allocation sites (weights kept to the end, activations allocated and freed per step, a scratch site whose
 * buffers push past the low watermark: pressure and GC), then an allocation too large for the device (failure).
 */
public final class TimelineFixtures {
    private TimelineFixtures() {
    }

    static final String[] TYPES = {"heapscope.BufferAllocated", "heapscope.BufferRecycled", "heapscope.BufferFreed",
            "heapscope.BufferReleased", "heapscope.HeapAllocated", "heapscope.HeapReleased",
            "heapscope.GarbageCollection", "heapscope.AllocationFailed", "heapscope.MemoryPressure",
            "heapscope.PoolStatistics", "heapscope.OffHeapAllocation", "heapscope.OffHeapFree"};

    /** Records the workload with {@code steps} activation steps of {@code activationBytes} each into {@code out}. */
    public static void record(Path out, int steps, long activationBytes) throws Exception {
        try (Recording r = new Recording()) {
            for (String t : TYPES) {
                r.enable(t).withStackTrace();
            }

            r.start();
            try (HostDevice d = HostDevice.builder().capacity(256L << 20).build();
                 HeapAllocator a = HeapAllocator.builder(d).sinks(java.util.Set.of("jfr"))
                         .lowWatermarkRatio(0.25)
                         .verbosity(DebugVerbosity.ALL & ~DebugVerbosity.LARGE_ONLY.bit()).build()) {
                frameworks(); // what the agent's hooks record for direct buffers and Netty
                List<MpsBuffer> weights = weights(a);
                for (int s = 0; s < steps; s++) {
                    List<MpsBuffer> acts = activations(a, activationBytes);
                    for (MpsBuffer b : acts) {
                        a.free(b);
                    }
                }
                List<MpsBuffer> scratch = scratch(a);
                for (MpsBuffer b : scratch) {
                    a.free(b);
                }
                try {
                    a.malloc(8L << 30, false);
                    throw new AssertionError("an 8 GiB allocation fit a 256 MiB device");
                } catch (MpsOutOfMemoryException | IllegalArgumentException expected) {
                    // recorded as heapscope.AllocationFailed
                }
                weights.size();
            }
            r.stop();
            r.dump(out);
        }
    }

    /** Framework events as the agent emits them (its own JFR sink): 3 direct buffers, 1 freed; 1 MiB of netty. */
    static void frameworks() {
        io.heapscope.agent.events.JfrAgentSink sink = new io.heapscope.agent.events.JfrAgentSink();
        for (int i = 1; i <= 3; i++) {
            sink.allocation("jdk.direct", "", 4L << 20, 0x5000_0000L * i);
        }
        sink.free("jdk.direct", "", 4L << 20, 0x5000_0000L);
        sink.allocation("netty", "unsafe", 1L << 20, 0x9000_0000L);
    }

    static List<MpsBuffer> weights(HeapAllocator a) {
        List<MpsBuffer> l = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            l.add(a.malloc(8L << 20, false));
        }
        return l;
    }

    static List<MpsBuffer> activations(HeapAllocator a, long bytes) {
        List<MpsBuffer> l = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            l.add(a.malloc(bytes + i * 4096L, false));
        }
        return l;
    }

    static List<MpsBuffer> scratch(HeapAllocator a) {
        List<MpsBuffer> l = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            try {
                l.add(a.malloc(12L << 20, false));
            } catch (MpsOutOfMemoryException e) {
                break;
            }
        }
        return l;
    }
}

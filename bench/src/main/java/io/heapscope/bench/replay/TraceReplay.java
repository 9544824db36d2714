package io.heapscope.bench.replay;

import io.heapscope.allocator.AllocatorStatistics;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.UsageFlags;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays a PyTorch allocation trace through a {@link HeapAllocator}: {@code alloc} → malloc of that size (private),
 * {@code free_completed} → free of that address, in sequence order.
 */
public final class TraceReplay {
    private TraceReplay() {
    }

    /** Replays {@code events} on the allocator, which should be fresh; the allocator is left holding nothing in use. */
    public static ReplayResult replay(String name, List<TraceEvent> events, HeapAllocator allocator,
                                      Map<String, Object> pytorch) {
        Map<Long, MpsBuffer> live = new HashMap<>(4096);
        Map<Long, Long> liveSize = new HashMap<>(4096);
        long traceLive = 0;
        long peakTraceLive = 0;
        long unmatched = 0;
        long replayed = 0;
        allocator.resetPeakStats();
        allocator.resetAccumulatedStats();
        long start = System.nanoTime();
        for (TraceEvent e : events) {
            if (e.alloc()) {
                MpsBuffer previous = live.put(e.address(), allocator.malloc(e.size(), UsageFlags.PRIVATE));
                if (previous != null) {
                    // the trace reused an address without a completed free; keep the replay balanced
                    allocator.free(previous);
                    traceLive -= liveSize.get(e.address());
                    unmatched++;
                }
                liveSize.put(e.address(), e.size());
                traceLive += e.size();
                peakTraceLive = Math.max(peakTraceLive, traceLive);
            } else {
                MpsBuffer b = live.remove(e.address());
                if (b == null) {
                    unmatched++;
                    continue;
                }
                allocator.free(b);
                traceLive -= liveSize.remove(e.address());
            }
            replayed++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        AllocatorStatistics stats = allocator.stats();
        for (MpsBuffer b : live.values()) {
            allocator.free(b);
        }
        return new ReplayResult(name, allocator.device().backend(), replayed, seconds, stats.reserved().peak(),
                stats.inUse().peak(), peakTraceLive, stats.heapsAllocated(), stats.buffersAllocated(),
                stats.buffersRecycled(), stats.gcReleasedBuffers(), unmatched, pytorch,
                allocator.policy().name().toLowerCase(java.util.Locale.ROOT), stats.heapsReleased(), stats.gcPasses());
    }

    /** PyTorch's figures from {@code NAME.summary.json} beside {@code NAME.trace.csv.gz}; empty if absent. */
    public static Map<String, Object> pytorchSummary(Path trace) throws IOException {
        String file = trace.getFileName().toString();
        String base = file.replaceAll("\\.trace\\.csv(\\.gz)?$", "");
        Path summary = trace.resolveSibling(base + ".summary.json");
        if (!Files.exists(summary)) {
            return Map.of();
        }
        Map<String, Object> all = Json.readFlat(Files.readString(summary));
        Map<String, Object> picked = new LinkedHashMap<>();
        for (String k : List.of("reserved_bytes.all.peak", "allocated_bytes.all.peak", "segment.all.allocated",
                "num_alloc_retries", "num_ooms", "events", "seconds", "torch", "device")) {
            if (all.containsKey(k)) {
                picked.put(k, all.get(k));
            }
        }
        return picked;
    }

    /** Trace name: the file name without {@code .trace.csv[.gz]}. */
    public static String nameOf(Path trace) {
        return trace.getFileName().toString().replaceAll("\\.trace\\.csv(\\.gz)?$", "");
    }
}

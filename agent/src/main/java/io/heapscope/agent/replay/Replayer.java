package io.heapscope.agent.replay;

import io.heapscope.agent.timeline.TimelineRecorder;
import io.heapscope.allocator.AllocatorStatistics;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.MpsOutOfMemoryException;
import io.heapscope.allocator.UsageFlags;
import io.heapscope.backend.Backends;
import io.heapscope.device.Device;
import io.heapscope.device.DeviceProvider;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Replays a {@link Workload} through a fresh {@link HeapAllocator} with one {@link ReplaySetting}: {@code alloc}
 * → {@code malloc(size, PRIVATE)}, {@code free_completed} → {@code free} of the buffer allocated at that address,
 * in file order. An allocation that fails with out-of-memory is counted (the first one's event index is kept) and
 * skipped, as are the frees of its address.
 */
public final class Replayer {
    private Replayer() {
    }

    /**
     * What one replay found.
     *
     * @param setting        the configuration
     * @param events         alloc + free operations replayed
     * @param loopSeconds    wall time of the replay loop alone
     * @param loopCpuSeconds CPU time of the replaying thread during the loop (robust to a contended machine)
     * @param firstOomEvent  index (in the workload, 0-based) of the first allocation that ran out of memory, or -1
     * @param firstOomMessage the allocator's message for it, or ""
     * @param ooms           allocations that ran out of memory
     * @param peakReserved   peak bytes of heaps
     * @param peakInUse      peak bytes handed out
     * @param heapsCreated   heaps created
     * @param gcPasses       garbage-collection passes
     * @param unmatchedFrees frees of addresses not live in the replay
     * @param highWatermark  the high watermark limit in force (bytes)
     * @param lowWatermark   the low watermark limit in force (bytes)
     */
    public record Outcome(ReplaySetting setting, long events, double loopSeconds, double loopCpuSeconds,
                          long firstOomEvent,
                          String firstOomMessage, long ooms, long peakReserved, long peakInUse, long heapsCreated,
                          long gcPasses, long unmatchedFrees, long highWatermark, long lowWatermark) {
        public double eventsPerSecond() {
            return loopSeconds == 0 ? 0 : events / loopSeconds;
        }

        /** Events per CPU-second of the replaying thread. */
        public double eventsPerCpuSecond() {
            return loopCpuSeconds <= 0 ? 0 : events / loopCpuSeconds;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("setting", setting.label());
            m.put("events", events);
            m.put("out_of_memory", firstOomEvent >= 0);
            m.put("first_oom_event", firstOomEvent);
            m.put("first_oom_message", firstOomMessage);
            m.put("ooms", ooms);
            m.put("peak_reserved_bytes", peakReserved);
            m.put("peak_in_use_bytes", peakInUse);
            m.put("heaps_created", heapsCreated);
            m.put("gc_passes", gcPasses);
            m.put("unmatched_frees", unmatchedFrees);
            m.put("high_watermark_bytes", highWatermark);
            m.put("low_watermark_bytes", lowWatermark);
            m.put("loop_seconds", loopSeconds);
            m.put("loop_cpu_seconds", loopCpuSeconds);
            m.put("loop_events_per_second", Math.round(eventsPerSecond()));
            return m;
        }
    }

    /** Opens the setting's device: the named backend with capacity/unified settings. */
    public static Device open(ReplaySetting s) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (s.capacity() > 0) {
            settings.put("capacity", Long.toString(s.capacity()));
        }
        if (s.unified() != null) {
            settings.put("unified", s.unified().toString());
        }
        DeviceProvider p = Backends.providers().get(s.backend());
        if (p == null) {
            throw new IllegalArgumentException("--backend: no backend '" + s.backend() + "' (known: "
                    + Backends.providers().keySet() + ")");
        }
        return p.open(settings);
    }

    public static HeapAllocator allocator(Device device, ReplaySetting s, TimelineRecorder recorder) {
        HeapAllocator.Builder b = HeapAllocator.builder(device).sinks(java.util.Set.of());
        if (recorder != null) {
            b.verbosity(DebugVerbosity.ALL & ~DebugVerbosity.LARGE_ONLY.bit()).listener(recorder);
        } else {
            b.verbosity(DebugVerbosity.SILENT);
        }
        if (!Double.isNaN(s.high())) {
            b.highWatermarkRatio(s.high());
        }
        if (!Double.isNaN(s.low())) {
            b.lowWatermarkRatio(s.low());
        }
        return b.build();
    }

    /**
     * Replays on a fresh allocator. With a recorder, allocator events go to it (x = workload event index) and
     * sites are tracked; {@code progress} gets the operations done so far every 65,536 operations.
     */
    public static Outcome replay(Workload w, ReplaySetting s, TimelineRecorder recorder, LongConsumer progress) {
        try (Device device = open(s); HeapAllocator allocator = allocator(device, s, recorder)) {
            return run(w, s, allocator, recorder, progress);
        }
    }

    /** The loop itself, on a caller-made allocator (which should be fresh). */
    public static Outcome run(Workload w, ReplaySetting s, HeapAllocator allocator, TimelineRecorder recorder,
                              LongConsumer progress) {
        int n = w.size();
        AddressMap<MpsBuffer> live = new AddressMap<>(4096);
        int[] siteOf = null;
        if (recorder != null) {
            recorder.watermarks(allocator.getHighWatermarkLimit(), allocator.getLowWatermarkLimit());
            List<Workload.Site> sites = w.sites();
            siteOf = new int[sites.size()];
            for (int i = 0; i < siteOf.length; i++) {
                siteOf[i] = recorder.site(sites.get(i).name(), sites.get(i).stack());
            }
        }
        long unmatched = 0;
        long replayed = 0;
        long ooms = 0;
        long firstOom = -1;
        String firstOomMessage = "";
        allocator.resetPeakStats();
        allocator.resetAccumulatedStats();
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            byte kind = w.kind(i);
            if (kind > Workload.FREE) {
                continue;
            }
            if (recorder != null) {
                recorder.at(i);
            }
            long address = w.address(i);
            if (kind == Workload.ALLOC) {
                MpsBuffer b;
                try {
                    b = allocator.malloc(w.bytes(i), UsageFlags.PRIVATE);
                } catch (MpsOutOfMemoryException e) {
                    if (ooms++ == 0) {
                        firstOom = i;
                        firstOomMessage = e.getMessage();
                    }
                    MpsBuffer stale = live.remove(address);
                    if (stale != null) {
                        allocator.free(stale);
                    }
                    replayed++;
                    continue;
                }
                MpsBuffer previous = live.put(address, b);
                if (previous != null) {
                    allocator.free(previous); // the trace reused an address without a completed free
                    unmatched++;
                }
                if (recorder != null) {
                    int site = w.siteId(i);
                    recorder.siteAlloc(site < 0 ? -1 : siteOf[site], address, w.bytes(i));
                }
            } else {
                MpsBuffer b = live.remove(address);
                if (b == null) {
                    unmatched++;
                } else {
                    allocator.free(b);
                    if (recorder != null) {
                        recorder.siteFree(address);
                    }
                }
            }
            replayed++;
            if (recorder != null) {
                recorder.sample();
            }
            if ((replayed & 0xffff) == 0 && progress != null) {
                progress.accept(i);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        AllocatorStatistics stats = allocator.stats();
        long high = allocator.getHighWatermarkLimit();
        long low = allocator.getLowWatermarkLimit();
        if (recorder != null) {
            recorder.freeze();
        }
        live.forEachValue(allocator::free);
        return new Outcome(s, replayed, seconds, cpuSeconds, firstOom, firstOomMessage == null ? "" : firstOomMessage, ooms,
                stats.reserved().peak(), stats.inUse().peak(), stats.heapsAllocated(), stats.gcPasses(), unmatched,
                high, low);
    }
}

package io.heapscope.bench.replay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one replay measured, beside PyTorch's own figures for the same run.
 *
 * @param trace              trace name
 * @param backend            device backend used
 * @param events             alloc + free_completed events replayed
 * @param seconds            wall time of the replay loop
 * @param peakReserved       peak bytes of heaps (allocator reserved)
 * @param peakAllocated      peak bytes handed out (aligned, in use)
 * @param peakTraceLive      peak of the sum of live trace sizes: the common denominator
 * @param heapsCreated       heaps created
 * @param newBuffers         buffers carved from heaps
 * @param recycledBuffers    cached buffers reused
 * @param gcReleases         buffers released by garbage collection
 * @param unmatchedFrees     frees of addresses not live in the replay (should be 0)
 * @param pytorch            PyTorch's figures from the .summary.json beside the trace
 * @param policy             the allocation policy (faithful or split)
 * @param heapsReleased      heaps released
 * @param gcPasses           garbage-collection passes
 */
public record ReplayResult(String trace, String backend, long events, double seconds, long peakReserved,
                           long peakAllocated, long peakTraceLive, long heapsCreated, long newBuffers,
                           long recycledBuffers, long gcReleases, long unmatchedFrees, Map<String, Object> pytorch,
                           String policy, long heapsReleased, long gcPasses) {

    /** Peak reserved over the peak of live trace bytes: how much memory the allocator holds per byte in use. */
    public double reservedOverTraceLive() {
        return peakTraceLive == 0 ? 0 : (double) peakReserved / peakTraceLive;
    }

    /**
     * PyTorch's own figure for the same trace: its peak reserved over its peak allocated bytes (the trace's live
     * bytes as PyTorch rounded them), from the .summary.json; NaN when absent.
     */
    public double pytorchReservedOverAllocated() {
        Object r = pytorch.get("reserved_bytes.all.peak");
        Object a = pytorch.get("allocated_bytes.all.peak");
        if (r instanceof Number rn && a instanceof Number an && an.doubleValue() > 0) {
            return rn.doubleValue() / an.doubleValue();
        }
        return Double.NaN;
    }

    public double nsPerEvent() {
        return events == 0 ? 0 : seconds * 1e9 / events;
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trace", trace);
        m.put("backend", backend);
        m.put("policy", policy);
        m.put("events", events);
        m.put("seconds", Math.round(seconds * 1e4) / 1e4);
        m.put("ns_per_event", Math.round(nsPerEvent() * 10) / 10.0);
        m.put("peak_reserved_bytes", peakReserved);
        m.put("peak_allocated_bytes", peakAllocated);
        m.put("peak_trace_live_bytes", peakTraceLive);
        m.put("heaps_created", heapsCreated);
        m.put("new_buffers", newBuffers);
        m.put("recycled_buffers", recycledBuffers);
        m.put("gc_releases", gcReleases);
        m.put("gc_passes", gcPasses);
        m.put("heaps_released", heapsReleased);
        m.put("unmatched_frees", unmatchedFrees);
        m.put("reserved_over_trace_live", Math.round(1000.0 * reservedOverTraceLive()) / 1000.0);
        double pt = pytorchReservedOverAllocated();
        if (!Double.isNaN(pt)) {
            m.put("pytorch_reserved_over_allocated", Math.round(1000.0 * pt) / 1000.0);
        }
        m.put("pytorch", pytorch);
        return Json.write(m);
    }
}

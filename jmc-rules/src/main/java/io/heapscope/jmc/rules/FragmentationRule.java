package io.heapscope.jmc.rules;

import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_ALLOCATED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_FREED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_RECYCLED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.HEAP_ALLOCATED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.HEAP_RELEASED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.POOL_STATISTICS;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * Fragmentation: per pool, the peak of reserved bytes (heaps) against the peak of bytes in use (buffers handed out).
 * Memory reserved but never in use at the same time is held by cached buffers and by holes in heaps that no request
 * fitted. Reads {@code heapscope.PoolStatistics} when the recording has it; otherwise rebuilds each pool's reserved
 * and in-use bytes from the heap and buffer events.
 */
public final class FragmentationRule extends HeapscopeRule {
    public static final String ID = "HeapscopeFragmentation";

    static final TypedPreference<IQuantity> INFO_RATIO = percentPref("heapscope.fragmentation.info",
            "Unused share for information",
            "Share of a pool's peak reserved bytes unused at its peak, beyond one heap of slack", 30);
    static final TypedPreference<IQuantity> WARNING_RATIO = percentPref("heapscope.fragmentation.warning",
            "Unused share for a warning",
            "Share of a pool's peak reserved bytes unused at its peak, beyond one heap of slack", 60);
    static final TypedPreference<IQuantity> MIN_WASTE = bytesPref("heapscope.fragmentation.minWaste",
            "Smallest unused amount", "Pools with fewer unused bytes beyond one heap of slack are not reported",
            4L << 20);

    static final TypedResult<String> POOL = textResult("pool", "Pool", "The most fragmented pool");
    static final TypedResult<IQuantity> PEAK_RESERVED = memoryResult("peakReserved", "Peak Reserved",
            "Largest reserved bytes of the pool");
    static final TypedResult<IQuantity> PEAK_IN_USE = memoryResult("peakInUse", "Peak In Use",
            "Largest bytes in use of the pool");
    static final TypedResult<IQuantity> UNUSED = percentResult("unusedShare", "Unused Share",
            "(peak reserved - peak in use - one heap) / peak reserved");

    public FragmentationRule() {
        super(ID, "Off-heap pool fragmentation", prefs(INFO_RATIO, WARNING_RATIO, MIN_WASTE),
                results(POOL, PEAK_RESERVED, PEAK_IN_USE, UNUSED), Collections.emptyMap());
    }

    /**
     * Peaks of one pool; {@code heap} is the size of one heap (at the reserved peak), the slack any pool may have
     * since heaps are its unit of reservation; {@code fragmentation} is the allocator's own figure when
     * PoolStatistics has it.
     */
    static final class Peaks {
        long reserved;
        long inUse;
        long heap;
        long cached = -1;
        long heaps = -1;
        double fragmentation = Double.NaN;
        String source;

        long waste() {
            return Math.max(0, reserved - inUse);
        }

        double unused() {
            return reserved <= 0 ? 0 : waste() / (double) reserved;
        }

        /** Unused bytes beyond one heap of slack. */
        long excess() {
            return Math.max(0, waste() - heap);
        }

        double excessShare() {
            return reserved <= 0 ? 0 : excess() / (double) reserved;
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) {
        Map<PoolKey, Peaks> pools = fromStatistics(items);
        Map<PoolKey, Peaks> rebuilt = fromEvents(items);
        rebuilt.forEach(pools::putIfAbsent);
        if (pools.isEmpty()) {
            if (!recorded(items, POOL_STATISTICS) && !recorded(items, HEAP_ALLOCATED)) {
                return notApplicable(vp, "The recording has neither heapscope.PoolStatistics nor heap events.");
            }
            return ok(vp, "No off-heap pool reserved memory.", null);
        }
        double info = fraction(vp, INFO_RATIO);
        double warn = fraction(vp, WARNING_RATIO);
        long minWaste = bytes(vp, MIN_WASTE);
        boolean several = PoolKey.severalAllocators(pools.keySet());

        List<Map.Entry<PoolKey, Peaks>> ranked = new ArrayList<>(pools.entrySet());
        ranked.sort(Comparator.comparingDouble((Map.Entry<PoolKey, Peaks> e) -> score(e.getValue(), info, warn,
                minWaste)).thenComparingLong(e -> e.getValue().excess()).reversed());
        Map.Entry<PoolKey, Peaks> worst = ranked.get(0);
        Peaks p = worst.getValue();
        double score = score(p, info, warn, minWaste);
        String pool = worst.getKey().display(several);

        List<String> rows = new ArrayList<>();
        for (Map.Entry<PoolKey, Peaks> e : ranked) {
            Peaks q = e.getValue();
            if (q.reserved == 0) {
                continue;
            }
            rows.add(String.format("%s: peak reserved %s, peak in use %s, never used %s (%s), heap %s%s",
                    e.getKey().display(several), fmtBytes(q.reserved), fmtBytes(q.inUse), fmtBytes(q.waste()),
                    fmtPercent(q.unused()), q.heap > 0 ? fmtBytes(q.heap) : "unknown", Double.isNaN(q.fragmentation)
                            ? ""
                            : ", allocator's fragmentation " + fmtPercent(q.fragmentation)));
        }
        String table = sentence(rows);
        String source = p.source;
        if (score < 25) {
            return scored(vp, score)
                    .setSummary(String.format("Off-heap pools use most of what they reserve (worst: %s, %s unused).",
                            pool, fmtPercent(p.unused())))
                    .setExplanation("Peaks per pool, from " + source + ": " + table)
                    .addResult(POOL, pool).addResult(PEAK_RESERVED, memory(p.reserved))
                    .addResult(PEAK_IN_USE, memory(p.inUse)).addResult(UNUSED, percent(p.excessShare())).build();
        }
        String summary = String.format(
                "Pool %s reserved up to %s but never had more than %s in use: %s (%s) held without being used, %s "
                        + "more than one heap's worth.", pool, fmtBytes(p.reserved), fmtBytes(p.inUse),
                fmtBytes(p.waste()), fmtPercent(p.unused()), fmtBytes(p.excess()));
        String explanation = "Heapscope carves buffers out of heaps and keeps freed buffers cached in their heap; a "
                + "heap goes back to the device only when all its buffers are released. Memory that a pool reserved "
                + "but never had in use at its busiest is held by cached buffers of sizes no later request fitted, "
                + "and by holes in partly used heaps; up to one heap of it is the granularity of reservation, the "
                + "rest is what the score counts. Peaks per pool, from " + source + ": " + table
                + (p.cached >= 0 ? "The pool's cached bytes at its last sample: " + fmtBytes(p.cached)
                        + (p.heaps >= 0 ? " in " + plural(p.heaps, "heap", "heaps") + ". " : ". ") : "");
        String solution = "Allocate buffers of " + pool + " in a few fixed sizes (round requests up to buckets) so "
                + "freed buffers are reused; free short-lived and long-lived buffers from different pools or phases; "
                + "call emptyCache() after a phase with a high peak; or lower HEAPSCOPE_LOW_WATERMARK_RATIO so the "
                + "garbage collection of cached buffers starts earlier.";
        return scored(vp, score).setSummary(summary).setExplanation(explanation).setSolution(solution)
                .addResult(POOL, pool).addResult(PEAK_RESERVED, memory(p.reserved))
                .addResult(PEAK_IN_USE, memory(p.inUse)).addResult(UNUSED, percent(p.excessShare())).build();
    }

    private static double score(Peaks p, double info, double warn, long minWaste) {
        if (p.reserved <= 0 || p.excess() < minWaste) {
            return 0;
        }
        return RulesToolkit.mapExp100(p.excessShare(), info, warn);
    }

    private static Map<PoolKey, Peaks> fromStatistics(IItemCollection items) {
        Map<PoolKey, Peaks> pools = new LinkedHashMap<>();
        for (HsEvent e : HsEvent.of(items, POOL_STATISTICS)) {
            Peaks p = pools.computeIfAbsent(e.pool(), k -> new Peaks());
            p.source = "heapscope.PoolStatistics";
            long reserved = e.getLong("reserved", 0);
            long heaps = e.getLong("heaps", 0);
            if (reserved > p.reserved && heaps > 0) {
                p.heap = reserved / heaps;
            }
            p.reserved = Math.max(p.reserved, reserved);
            p.inUse = Math.max(p.inUse, e.getLong("inUse", 0));
            p.cached = e.getLong("cached", p.cached);
            p.heaps = e.getLong("heaps", p.heaps);
            double frag = e.getDouble("fragmentation", Double.NaN);
            if (!Double.isNaN(frag)) {
                p.fragmentation = Double.isNaN(p.fragmentation) ? frag : Math.max(p.fragmentation, frag);
            }
        }
        return pools;
    }

    /** Running sums per pool from heap and buffer events, in time order: exact when the recording saw every event. */
    private static Map<PoolKey, Peaks> fromEvents(IItemCollection items) {
        record Delta(long time, PoolKey pool, long reserved, long inUse) {
        }
        List<Delta> deltas = new ArrayList<>();
        Map<PoolKey, Long> largestHeap = new HashMap<>();
        for (HsEvent e : HsEvent.of(items, HEAP_ALLOCATED, HEAP_RELEASED, BUFFER_ALLOCATED, BUFFER_RECYCLED,
                BUFFER_FREED)) {
            if (e.fromFramework()) {
                continue;
            }
            long heap = e.getLong("heapSize", 0);
            long size = e.firstLong(0, "alignedSize", "requestedSize");
            if (e.is(HEAP_ALLOCATED)) {
                largestHeap.merge(e.pool(), heap, Math::max);
                deltas.add(new Delta(e.time(), e.pool(), heap, 0));
            } else if (e.is(HEAP_RELEASED)) {
                deltas.add(new Delta(e.time(), e.pool(), -heap, 0));
            } else if (e.is(BUFFER_FREED)) {
                deltas.add(new Delta(e.time(), e.pool(), 0, -size));
            } else {
                deltas.add(new Delta(e.time(), e.pool(), 0, size));
            }
        }
        Map<PoolKey, long[]> current = new HashMap<>();
        Map<PoolKey, Peaks> pools = new LinkedHashMap<>();
        boolean anyHeap = false;
        for (Delta d : deltas) {
            long[] c = current.computeIfAbsent(d.pool(), k -> new long[2]);
            c[0] += d.reserved();
            c[1] += d.inUse();
            anyHeap |= d.reserved() != 0;
            Peaks p = pools.computeIfAbsent(d.pool(), k -> new Peaks());
            p.source = "heap and buffer events";
            p.heap = largestHeap.getOrDefault(d.pool(), 0L);
            p.reserved = Math.max(p.reserved, c[0]);
            p.inUse = Math.max(p.inUse, c[1]);
        }
        return anyHeap ? pools : new LinkedHashMap<>();
    }
}

package io.heapscope.jmc.rules;

import static io.heapscope.jmc.rules.HeapscopeEventTypes.ALLOCATION_FAILED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.MEMORY_PRESSURE;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.POOL_STATISTICS;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.RequiredEventsBuilder;

/**
 * Watermark proximity: each allocator's peak bytes in use against its high watermark limit (the hard limit past which
 * allocations fail). The limit comes from {@code heapscope.PoolStatistics}; the peak in use from the allocator-wide
 * {@code totalInUse} of every allocator event and from the pools' statistics.
 */
public final class WatermarkProximityRule extends HeapscopeRule {
    public static final String ID = "HeapscopeWatermark";

    static final TypedPreference<IQuantity> INFO_SHARE = percentPref("heapscope.watermark.info",
            "Share of the limit for information", "Peak in use as a share of the high watermark limit", 70);
    static final TypedPreference<IQuantity> WARNING_SHARE = percentPref("heapscope.watermark.warning",
            "Share of the limit for a warning", "Peak in use as a share of the high watermark limit", 90);

    static final TypedResult<IQuantity> LIMIT = memoryResult("highWatermarkLimit", "High Watermark Limit",
            "The allocator's high watermark limit");
    static final TypedResult<IQuantity> PEAK_IN_USE = memoryResult("peakInUse", "Peak In Use",
            "The allocator's peak bytes in use");
    static final TypedResult<IQuantity> SHARE = percentResult("limitShare", "Share of Limit",
            "Peak in use / high watermark limit");

    public WatermarkProximityRule() {
        super(ID, "Off-heap high watermark proximity", prefs(INFO_SHARE, WARNING_SHARE),
                results(LIMIT, PEAK_IN_USE, SHARE),
                RequiredEventsBuilder.create().addEventType(POOL_STATISTICS, EventAvailability.ENABLED).build());
    }

    static final class AllocatorPeaks {
        long limit;
        long lowLimit;
        long peakInUse;
        long peakReserved;
        long peakDevice;
        long pressureEntered;
        long failuresAtLimit;
        final Map<String, Long> latestInUse = new HashMap<>();
        final Map<String, Long> latestReserved = new HashMap<>();

        double share() {
            return limit <= 0 ? 0 : peakInUse / (double) limit;
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) {
        Map<PoolKey, AllocatorPeaks> allocators = new LinkedHashMap<>();
        List<String> types = new ArrayList<>();
        for (IItemIterable it : items) {
            String id = it.getType().getIdentifier();
            if (id.startsWith(HeapscopeEventTypes.PREFIX) && !types.contains(id)) {
                types.add(id);
            }
        }
        for (HsEvent e : HsEvent.of(items, types.toArray(new String[0]))) {
            if (e.fromFramework()) {
                continue;
            }
            AllocatorPeaks a = allocators.computeIfAbsent(e.pool().allocatorOnly(), k -> new AllocatorPeaks());
            if (e.is(POOL_STATISTICS)) {
                a.limit = Math.max(a.limit, e.getLong("highWatermarkLimit", 0));
                a.lowLimit = Math.max(a.lowLimit, e.getLong("lowWatermarkLimit", 0));
                a.peakDevice = Math.max(a.peakDevice, e.getLong("deviceAllocated", 0));
                String pool = e.pool().poolName();
                a.latestInUse.put(pool, e.getLong("inUse", 0));
                a.latestReserved.put(pool, e.getLong("reserved", 0));
                a.peakInUse = Math.max(a.peakInUse, a.latestInUse.values().stream().mapToLong(Long::longValue).sum());
                a.peakReserved = Math.max(a.peakReserved,
                        a.latestReserved.values().stream().mapToLong(Long::longValue).sum());
                continue;
            }
            a.peakInUse = Math.max(a.peakInUse, e.getLong("totalInUse", 0));
            a.peakReserved = Math.max(a.peakReserved, e.getLong("totalReserved", 0));
            if (e.is(MEMORY_PRESSURE) && e.getFlag("entered", false)) {
                a.pressureEntered++;
            }
            if (e.is(ALLOCATION_FAILED) && e.getFlag("highWatermark", false)) {
                a.failuresAtLimit++;
            }
        }
        allocators.values().removeIf(a -> a.limit <= 0 && a.peakInUse == 0);
        PoolKey worst = null;
        for (Map.Entry<PoolKey, AllocatorPeaks> en : allocators.entrySet()) {
            if (en.getValue().limit > 0 && (worst == null || en.getValue().share() > allocators.get(worst).share())) {
                worst = en.getKey();
            }
        }
        if (worst == null) {
            return ok(vp, "No high watermark limit is set (or no allocator was active): allocations are limited only "
                    + "by the device.", null);
        }
        AllocatorPeaks a = allocators.get(worst);
        double info = fraction(vp, INFO_SHARE);
        double warn = fraction(vp, WARNING_SHARE);
        double score = RulesToolkit.mapExp100(a.share(), info, warn);
        String who = worst.allocatorLabel();
        String figures = String.format("%s: peak in use %s of a %s high watermark limit (%s); peak reserved %s%s, "
                + "low watermark %s; memory pressure entered %s; %s failed at the limit.", who,
                fmtBytes(a.peakInUse), fmtBytes(a.limit), fmtPercent(a.share()), fmtBytes(a.peakReserved),
                a.peakDevice > 0 ? ", peak device allocated " + fmtBytes(a.peakDevice) : "", fmtBytes(a.lowLimit),
                plural(a.pressureEntered, "time", "times"), plural(a.failuresAtLimit, "allocation", "allocations"));
        if (score < 25) {
            return scored(vp, score).setSummary(String.format("Off-heap use stayed well below the high watermark "
                    + "(peak %s of the limit).", fmtPercent(a.share()))).setExplanation(figures)
                    .addResult(LIMIT, memory(a.limit)).addResult(PEAK_IN_USE, memory(a.peakInUse))
                    .addResult(SHARE, percent(a.share())).build();
        }
        String summary = String.format("%s had %s in use at its peak, %s of its %s high watermark limit.", who,
                fmtBytes(a.peakInUse), fmtPercent(a.share()), fmtBytes(a.limit));
        String explanation = figures + " Past the high watermark limit every allocation fails, even if the device "
                + "has memory left; near it, the allocator first releases cached buffers (garbage collection) and "
                + "then waits for pending frees, so allocations get slower before they fail.";
        String solution = "Lower the peak in use (smaller batches, free buffers as soon as they are done, split "
                + "phases), or raise HEAPSCOPE_HIGH_WATERMARK_RATIO (at most 2.0) if the device has the memory.";
        return scored(vp, score).setSummary(summary).setExplanation(explanation).setSolution(solution)
                .addResult(LIMIT, memory(a.limit)).addResult(PEAK_IN_USE, memory(a.peakInUse))
                .addResult(SHARE, percent(a.share())).build();
    }
}

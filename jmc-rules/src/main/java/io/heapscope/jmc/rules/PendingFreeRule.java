package io.heapscope.jmc.rules;

import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_FREED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.POOL_STATISTICS;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * Pending-free pile-up: buffers freed by the application while the device still retains them (retain count above 1
 * at the free) cannot be reused until the device lets go, so the pool allocates new memory meanwhile. Reads the
 * frees' retain counts ({@code heapscope.BufferFreed}) and the pools' pending-free figures
 * ({@code heapscope.PoolStatistics}).
 */
public final class PendingFreeRule extends HeapscopeRule {
    public static final String ID = "HeapscopePendingFrees";

    static final TypedPreference<IQuantity> INFO_SHARE = percentPref("heapscope.pending.info",
            "Pending share of frees for information", "Share of frees that found the buffer still retained", 10);
    static final TypedPreference<IQuantity> WARNING_SHARE = percentPref("heapscope.pending.warning",
            "Pending share of frees for a warning", "Share of frees that found the buffer still retained", 30);
    static final TypedPreference<IQuantity> INFO_BYTES_SHARE = percentPref("heapscope.pending.bytes.info",
            "Pending bytes for information", "Peak pending-free bytes as a share of the pool's peak reserved", 5);
    static final TypedPreference<IQuantity> WARNING_BYTES_SHARE = percentPref("heapscope.pending.bytes.warning",
            "Pending bytes for a warning", "Peak pending-free bytes as a share of the pool's peak reserved", 20);
    static final TypedPreference<IQuantity> MIN_PENDING = countPref("heapscope.pending.minCount",
            "Fewest pending frees", "Fewer pending frees than this are not reported", 4);

    static final TypedResult<String> POOL = textResult("pool", "Pool", "Pool with the most pending frees");
    static final TypedResult<IQuantity> PENDING = countResult("pendingFrees", "Pending Frees",
            "Frees that found the buffer still retained by the device");
    static final TypedResult<IQuantity> PEAK_PENDING_BYTES = memoryResult("peakPendingBytes", "Peak Pending Bytes",
            "Largest pending-free bytes of the pool");

    public PendingFreeRule() {
        super(ID, "Off-heap pending frees", prefs(INFO_SHARE, WARNING_SHARE, INFO_BYTES_SHARE, WARNING_BYTES_SHARE,
                MIN_PENDING, AppFrames.EXCLUDED_PACKAGES), results(POOL, PENDING, PEAK_PENDING_BYTES),
                Collections.emptyMap());
    }

    static final class PoolPending {
        long frees;
        long pending;
        long pendingBytes;
        long maxRetain;
        long peakPendingBuffers;
        long peakPendingBytes;
        long peakReserved;
        final Map<String, Long> sites = new LinkedHashMap<>();

        String topSite() {
            return sites.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) {
        boolean frees = recorded(items, BUFFER_FREED);
        boolean stats = recorded(items, POOL_STATISTICS);
        if (!frees && !stats) {
            return notApplicable(vp, "The recording has neither heapscope.BufferFreed nor heapscope.PoolStatistics.");
        }
        AppFrames frames = new AppFrames(vp.getPreferenceValue(AppFrames.EXCLUDED_PACKAGES));
        Map<PoolKey, PoolPending> pools = new LinkedHashMap<>();
        for (HsEvent e : HsEvent.of(items, BUFFER_FREED)) {
            if (e.fromFramework()) {
                continue;
            }
            PoolPending p = pools.computeIfAbsent(e.pool(), k -> new PoolPending());
            p.frees++;
            long retain = e.getLong("retainCount", 0);
            if (retain > 1) {
                p.pending++;
                p.pendingBytes += e.firstLong(0, "alignedSize", "requestedSize");
                p.maxRetain = Math.max(p.maxRetain, retain);
                p.sites.merge(frames.topFrame(e.stackTrace()), 1L, Long::sum);
            }
        }
        for (HsEvent e : HsEvent.of(items, POOL_STATISTICS)) {
            PoolPending p = pools.computeIfAbsent(e.pool(), k -> new PoolPending());
            p.peakPendingBuffers = Math.max(p.peakPendingBuffers, e.getLong("pendingFree", 0));
            p.peakPendingBytes = Math.max(p.peakPendingBytes, e.getLong("pendingFreeBytes", 0));
            p.peakReserved = Math.max(p.peakReserved, e.getLong("reserved", 0));
        }
        long minPending = number(vp, MIN_PENDING);
        double info = fraction(vp, INFO_SHARE);
        double warn = fraction(vp, WARNING_SHARE);
        double bytesInfo = fraction(vp, INFO_BYTES_SHARE);
        double bytesWarn = fraction(vp, WARNING_BYTES_SHARE);
        boolean several = PoolKey.severalAllocators(pools.keySet());
        PoolKey worst = null;
        double worstScore = -1;
        long totalFrees = 0;
        long totalPending = 0;
        for (Map.Entry<PoolKey, PoolPending> en : pools.entrySet()) {
            PoolPending p = en.getValue();
            totalFrees += p.frees;
            totalPending += p.pending;
            double score = 0;
            if (p.pending >= minPending && p.frees > 0) {
                score = RulesToolkit.mapExp100(p.pending / (double) p.frees, info, warn);
            }
            if (p.peakPendingBuffers >= minPending && p.peakReserved > 0) {
                score = Math.max(score,
                        RulesToolkit.mapExp100(p.peakPendingBytes / (double) p.peakReserved, bytesInfo, bytesWarn));
            }
            if (score > worstScore) {
                worstScore = score;
                worst = en.getKey();
            }
        }
        if (worst == null) {
            return ok(vp, "No buffer was freed while the device still retained it.", null);
        }
        PoolPending p = pools.get(worst);
        String pool = worst.display(several);
        String figures = String.format("In %s, %d of %d frees found the buffer still retained by the device%s%s.",
                pool, p.pending, p.frees, p.pending == 0 ? ""
                        : String.format(" (%s, retain count up to %d)", fmtBytes(p.pendingBytes), p.maxRetain),
                p.peakReserved > 0 || p.peakPendingBuffers > 0
                        ? String.format("; at most %d buffers (%s) were pending at once, against a peak of %s reserved",
                                p.peakPendingBuffers, fmtBytes(p.peakPendingBytes), fmtBytes(p.peakReserved))
                        : "");
        if (worstScore < 25) {
            return scored(vp, worstScore)
                    .setSummary(String.format("Few frees waited for the device (%d of %d).", totalPending, totalFrees))
                    .setExplanation(figures).addResult(POOL, pool).addResult(PENDING, count(p.pending))
                    .addResult(PEAK_PENDING_BYTES, memory(p.peakPendingBytes)).build();
        }
        String site = p.topSite();
        String summary = p.pending > 0
                ? String.format("%d buffers (%s) of %s were freed while the device still retained them.", p.pending,
                        fmtBytes(p.pendingBytes), pool)
                : String.format("Up to %d buffers (%s) of %s waited for the device to release them.",
                        p.peakPendingBuffers, fmtBytes(p.peakPendingBytes), pool);
        String explanation = figures + " A buffer freed while queued device work still retains it goes to the "
                + "pending-free list and returns to the pool only when that work completes; meanwhile the pool cannot "
                + "reuse it and allocates new memory for the next request of that size."
                + (site == null ? "" : " Most pending frees came from " + safe(site) + ".");
        String solution = "Free buffers after the work that uses them has completed (synchronize or wait on the "
                + "command buffer first), keep fewer command buffers in flight, or reuse the same buffer for the next "
                + "step instead of freeing and allocating one.";
        return scored(vp, worstScore).setSummary(summary).setExplanation(explanation).setSolution(solution)
                .addResult(POOL, pool).addResult(PENDING, count(p.pending))
                .addResult(PEAK_PENDING_BYTES, memory(p.peakPendingBytes)).build();
    }
}

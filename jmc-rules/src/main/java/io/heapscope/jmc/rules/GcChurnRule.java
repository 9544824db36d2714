package io.heapscope.jmc.rules;

import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_ALLOCATED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_RELEASED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.GARBAGE_COLLECTION;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.RequiredEventsBuilder;

/**
 * Garbage-collection churn: cached buffers released (by the allocator's garbage collection under memory pressure, or
 * by emptyCache) and then created again, at the same size in the same pool. Each such pair costs a device release and
 * a device allocation that caching was meant to save.
 */
public final class GcChurnRule extends HeapscopeRule {
    public static final String ID = "HeapscopeGcChurn";

    static final TypedPreference<IQuantity> INFO_SHARE = percentPref("heapscope.churn.info",
            "Re-created share for information", "Share of released bytes allocated again at the same size", 20);
    static final TypedPreference<IQuantity> WARNING_SHARE = percentPref("heapscope.churn.warning",
            "Re-created share for a warning", "Share of released bytes allocated again at the same size", 50);
    static final TypedPreference<IQuantity> MIN_RECREATED = countPref("heapscope.churn.minCount",
            "Fewest re-created buffers", "Fewer re-created buffers than this are not reported", 8);
    static final TypedPreference<IQuantity> MIN_RECREATED_BYTES = bytesPref("heapscope.churn.minBytes",
            "Smallest re-created amount", "Fewer re-created bytes than this are not reported", 8L << 20);

    static final TypedResult<String> POOL = textResult("pool", "Pool", "Pool with the most re-created bytes");
    static final TypedResult<IQuantity> RECREATED = countResult("recreatedBuffers", "Re-created Buffers",
            "Buffers allocated again at the size of a released one");
    static final TypedResult<IQuantity> RECREATED_BYTES = memoryResult("recreatedBytes", "Re-created Bytes",
            "Bytes allocated again at the size of released buffers");

    public GcChurnRule() {
        super(ID, "Off-heap garbage-collection churn", prefs(INFO_SHARE, WARNING_SHARE, MIN_RECREATED, MIN_RECREATED_BYTES),
                results(POOL, RECREATED, RECREATED_BYTES),
                RequiredEventsBuilder.create().addEventType(BUFFER_ALLOCATED, EventAvailability.ENABLED).build());
    }

    static final class PoolChurn {
        long released;
        long releasedBytes;
        long recreated;
        long recreatedBytes;
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) {
        if (!noneHappened(items, BUFFER_RELEASED)) {
            return notApplicable(vp, "heapscope.BufferReleased was disabled in this recording.");
        }
        Map<PoolKey, PoolChurn> pools = new LinkedHashMap<>();
        Map<String, Long> releasedSizes = new HashMap<>();
        long gcs = 0;
        long gcFreed = 0;
        long gcReclaimed = 0;
        for (HsEvent e : HsEvent.of(items, BUFFER_RELEASED, BUFFER_ALLOCATED, GARBAGE_COLLECTION)) {
            if (e.is(GARBAGE_COLLECTION)) {
                gcs++;
                gcFreed += e.getLong("freedBuffers", 0);
                gcReclaimed += e.getLong("reclaimedBytes", 0);
                continue;
            }
            if (e.fromFramework()) {
                continue; // a hooked framework's memory: the framework-growth rule's business
            }
            PoolKey pool = e.pool();
            long size = e.firstLong(0, "alignedSize", "requestedSize");
            String sizeKey = pool.allocatorId() + "/" + pool.pool() + "/" + size;
            PoolChurn c = pools.computeIfAbsent(pool, k -> new PoolChurn());
            if (e.is(BUFFER_RELEASED)) {
                c.released++;
                c.releasedBytes += size;
                releasedSizes.merge(sizeKey, 1L, Long::sum);
            } else {
                Long n = releasedSizes.get(sizeKey);
                if (n != null) {
                    c.recreated++;
                    c.recreatedBytes += size;
                    if (n == 1) {
                        releasedSizes.remove(sizeKey);
                    } else {
                        releasedSizes.put(sizeKey, n - 1);
                    }
                }
            }
        }
        pools.values().removeIf(c -> c.released == 0);
        long min = number(vp, MIN_RECREATED);
        long minBytes = bytes(vp, MIN_RECREATED_BYTES);
        double info = fraction(vp, INFO_SHARE);
        double warn = fraction(vp, WARNING_SHARE);
        boolean several = PoolKey.severalAllocators(pools.keySet());
        PoolKey worst = null;
        double worstScore = -1;
        for (Map.Entry<PoolKey, PoolChurn> en : pools.entrySet()) {
            PoolChurn c = en.getValue();
            double score = c.recreated >= min && c.recreatedBytes >= minBytes && c.releasedBytes > 0
                    ? RulesToolkit.mapExp100(c.recreatedBytes / (double) c.releasedBytes, info, warn)
                    : 0;
            if (score > worstScore || (score == worstScore && worst != null
                    && c.recreatedBytes > pools.get(worst).recreatedBytes)) {
                worstScore = score;
                worst = en.getKey();
            }
        }
        String gcText = gcs == 0 ? "The allocator's garbage collection did not run."
                : String.format("The allocator's garbage collection ran %s, releasing %s (%s).",
                        plural(gcs, "time", "times"), plural(gcFreed, "cached buffer", "cached buffers"),
                        fmtBytes(gcReclaimed));
        if (worst == null) {
            return ok(vp, "No cached buffer was released.", gcText);
        }
        PoolChurn c = pools.get(worst);
        String pool = worst.display(several);
        String figures = String.format("In %s, %d released buffers (%s) were followed by %d allocations of the same "
                + "size (%s, %s of the released bytes). %s", pool, c.released, fmtBytes(c.releasedBytes), c.recreated,
                fmtBytes(c.recreatedBytes), fmtPercent(c.releasedBytes == 0 ? 0 : c.recreatedBytes
                        / (double) c.releasedBytes), gcText);
        if (worstScore < 25) {
            return scored(vp, worstScore).setSummary("Released cached buffers were rarely needed again.")
                    .setExplanation(figures).addResult(POOL, pool).addResult(RECREATED, count(c.recreated))
                    .addResult(RECREATED_BYTES, memory(c.recreatedBytes)).build();
        }
        String summary = String.format("%s: %d cached buffers (%s) were released and then allocated again at the same "
                + "size.", pool, c.recreated, fmtBytes(c.recreatedBytes));
        String explanation = figures + " Under memory pressure (above the low watermark) the allocator releases cached "
                + "buffers back to the device; when the working set needs them again right away, every round pays a "
                + "device release and a device allocation, which is the cost caching exists to avoid.";
        String solution = "Keep the working set below the low watermark (smaller batches, free buffers sooner), or "
                + "raise HEAPSCOPE_LOW_WATERMARK_RATIO so garbage collection starts later; do not call emptyCache() "
                + "inside a loop that allocates the same sizes again.";
        return scored(vp, worstScore).setSummary(summary).setExplanation(explanation).setSolution(solution)
                .addResult(POOL, pool).addResult(RECREATED, count(c.recreated))
                .addResult(RECREATED_BYTES, memory(c.recreatedBytes)).build();
    }
}

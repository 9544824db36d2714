package io.heapscope.jmc.rules;

import static io.heapscope.jmc.rules.HeapscopeEventTypes.ALLOCATION_FAILED;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/** Allocation failures: out of device memory, or the high watermark limit reached. One failure is a warning. */
public final class AllocationFailureRule extends HeapscopeRule {
    public static final String ID = "HeapscopeAllocationFailures";

    static final TypedResult<IQuantity> FAILURES = countResult("failures", "Failures", "Failed allocations");
    static final TypedResult<IQuantity> LARGEST = memoryResult("largestRequest", "Largest Request",
            "Largest request that failed");
    static final TypedResult<String> MESSAGE = textResult("message", "Message", "Message of the largest failure");

    public AllocationFailureRule() {
        super(ID, "Off-heap allocation failures", prefs(AppFrames.EXCLUDED_PACKAGES),
                results(FAILURES, LARGEST, MESSAGE), Collections.emptyMap());
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) {
        if (!noneHappened(items, ALLOCATION_FAILED)) {
            return notApplicable(vp, "The recording has no heapscope.AllocationFailed events and no allocator events: "
                    + "enable the Heapscope events (heapscope.jfc).");
        }
        AppFrames frames = new AppFrames(vp.getPreferenceValue(AppFrames.EXCLUDED_PACKAGES));
        long failures = 0;
        long atWatermark = 0;
        HsEvent largest = null;
        long largestSize = -1;
        Map<String, Long> perPool = new LinkedHashMap<>();
        for (HsEvent e : HsEvent.of(items, ALLOCATION_FAILED)) {
            failures++;
            if (e.getFlag("highWatermark", false)) {
                atWatermark++;
            }
            perPool.merge(e.pool().poolName(), 1L, Long::sum);
            long size = e.firstLong(0, "requestedSize", "alignedSize", "size");
            if (size > largestSize) {
                largestSize = size;
                largest = e;
            }
        }
        if (largest == null) {
            return ok(vp, "No off-heap allocation failed.", null);
        }
        String rawMessage = largest.getString("message");
        String message = safe(rawMessage == null || rawMessage.isEmpty() ? "(no message)" : rawMessage);
        String pool = largest.pool().poolName();
        boolean hw = largest.getFlag("highWatermark", false);
        StringBuilder pools = new StringBuilder();
        perPool.forEach((p, c) -> pools.append(pools.length() == 0 ? "" : ", ").append(p).append(' ').append(c));
        double score = RulesToolkit.mapExp100Y(failures, 1, 75);
        String summary = String.format("%d off-heap allocation%s failed; the largest asked for %s in %s: %s",
                failures, failures == 1 ? "" : "s", fmtBytes(largestSize), pool, message);
        String explanation = String.format(
                "%d of the %d failures hit the high watermark limit, %d found the device out of memory. "
                        + "Failures per pool: %s. The largest request (%s, %s) came from %s. "
                        + "A failed allocation reaches the application as an out-of-memory error.",
                atWatermark, failures, failures - atWatermark, pools, fmtBytes(largestSize),
                hw ? "at the high watermark" : "device out of memory", safe(frames.topFrame(largest.stackTrace())));
        String solution = hw
                ? "The high watermark limit (HEAPSCOPE_HIGH_WATERMARK_RATIO times the device's recommended working "
                        + "set) stopped the allocation: lower the peak (smaller batches, free buffers sooner, "
                        + "emptyCache() between phases) or raise the ratio if the device really has the memory."
                : "The device itself had no memory left: lower the peak (smaller batches, free buffers sooner), "
                        + "release cached buffers with emptyCache(), and check the leak-suspect and fragmentation "
                        + "rules for memory held without use.";
        return scored(vp, score).setSummary(summary).setExplanation(explanation).setSolution(solution)
                .addResult(FAILURES, count(failures)).addResult(LARGEST, memory(largestSize))
                .addResult(MESSAGE, message).build();
    }
}

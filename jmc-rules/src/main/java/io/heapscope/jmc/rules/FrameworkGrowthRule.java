package io.heapscope.jmc.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * Growth of framework off-heap memory: per framework hooked by the agent (direct buffers, Unsafe, FFM arenas, Netty,
 * ...), the live bytes (allocated minus freed) over the recording. Memory that a framework takes at start-up and then
 * reuses is flat in the second half; memory that keeps growing there is reported. Event recognition is in
 * {@link FrameworkEvents}.
 */
public final class FrameworkGrowthRule extends HeapscopeRule {
    public static final String ID = "HeapscopeFrameworkGrowth";

    static final TypedPreference<IQuantity> INFO_SHARE = percentPref("heapscope.framework.info",
            "Growth share for information", "Share of a framework's final live bytes added in the second half", 15);
    static final TypedPreference<IQuantity> WARNING_SHARE = percentPref("heapscope.framework.warning",
            "Growth share for a warning", "Share of a framework's final live bytes added in the second half", 40);
    static final TypedPreference<IQuantity> MIN_GROWTH = bytesPref("heapscope.framework.minGrowth",
            "Smallest growth", "Growth in the second half below this is not reported", 1L << 20);

    static final TypedResult<String> FRAMEWORK = textResult("framework", "Framework", "The fastest-growing framework");
    static final TypedResult<IQuantity> GROWTH = memoryResult("growth", "Growth",
            "Live bytes added in the second half of the recording");
    static final TypedResult<IQuantity> LIVE_AT_END = memoryResult("liveAtEnd", "Live at End",
            "Live bytes at the end of the recording");

    public FrameworkGrowthRule() {
        super(ID, "Framework off-heap memory growth", prefs(INFO_SHARE, WARNING_SHARE, MIN_GROWTH,
                AppFrames.EXCLUDED_PACKAGES), results(FRAMEWORK, GROWTH, LIVE_AT_END), Collections.emptyMap());
    }

    static final class Growth {
        final String framework;
        boolean reservations;
        long live;
        long peak;
        long liveAtMid;
        long allocations;
        long frees;
        final Map<String, Long> blocks = new HashMap<>();
        final Map<String, Long> lateSites = new LinkedHashMap<>();
        double score;

        Growth(String framework) {
            this.framework = framework;
        }

        long growth() {
            return live - liveAtMid;
        }

        double share() {
            return live <= 0 ? 0 : growth() / (double) live;
        }

        String topLateSite() {
            return lateSites.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                    .orElse(null);
        }
    }

    /** What to do about growth of one framework's memory (the agent's framework names, docs/agent.md). */
    static String advice(String framework) {
        switch (framework) {
            case "jdk.direct":
                return "Direct buffers are freed only when the garbage collector finds them unreachable: reuse them "
                        + "(pool them) instead of allocating per request, drop references to those no longer needed, "
                        + "and cap -XX:MaxDirectMemorySize so that pressure triggers their cleaning early.";
            case "netty":
                return "Netty buffers go back to their pool only on release(): check that every ByteBuf reaches "
                        + "release() (ResourceLeakDetector at PARANOID level names the missing ones); growing chunks "
                        + "with a flat in-use size point at thread caches or arenas kept by idle threads.";
            case "ffm":
                return "FFM segments are freed when their arena closes: allocate from confined or shared arenas "
                        + "closed after use (try-with-resources), not from Arena.global() or long-lived auto arenas.";
            case "unsafe":
                return "Memory from Unsafe.allocateMemory is freed only by freeMemory: check that every block "
                        + "reaches it, on error paths too.";
            default:
                return "Release what " + safe(framework) + " allocates once it is no longer needed.";
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) {
        List<String> types = new ArrayList<>();
        for (IItemIterable it : items) {
            String id = it.getType().getIdentifier();
            if (FrameworkEvents.kind(id) != FrameworkEvents.Kind.NONE && !types.contains(id)) {
                types.add(id);
            }
        }
        List<HsEvent> events = new ArrayList<>();
        Map<String, Growth> frameworks = new LinkedHashMap<>();
        for (HsEvent e : HsEvent.of(items, types.toArray(new String[0]))) {
            String f = FrameworkEvents.framework(e);
            if (f != null) {
                events.add(e);
                frameworks.computeIfAbsent(f, Growth::new).reservations |= FrameworkEvents.isReservation(e.type());
            }
        }
        if (frameworks.isEmpty()) {
            return notApplicable(vp, "The recording has no framework off-heap events (run with the Heapscope agent).");
        }
        IQuantity first = RulesToolkit.getEarliestStartTime(items);
        IQuantity last = RulesToolkit.getLatestEndTime(items);
        long start = first.clampedLongValueIn(UnitLookup.EPOCH_NS);
        long end = last.clampedLongValueIn(UnitLookup.EPOCH_NS);
        long mid = start + (end - start) / 2;
        AppFrames frames = new AppFrames(vp.getPreferenceValue(AppFrames.EXCLUDED_PACKAGES));
        for (HsEvent e : events) {
            Growth g = frameworks.get(FrameworkEvents.framework(e));
            if (g.reservations != FrameworkEvents.isReservation(e.type())) {
                continue;
            }
            String id = FrameworkEvents.identity(e);
            if (FrameworkEvents.kind(e.type()) == FrameworkEvents.Kind.ALLOCATION) {
                long size = FrameworkEvents.size(e);
                g.allocations++;
                g.live += size;
                if (id != null) {
                    g.blocks.put(id, size);
                }
                if (e.time() > mid) {
                    g.lateSites.merge(frames.topFrame(e.stackTrace()), size, Long::sum);
                }
            } else {
                Long size = id == null ? Long.valueOf(FrameworkEvents.size(e)) : g.blocks.remove(id);
                if (size != null) {
                    g.frees++;
                    g.live -= size;
                }
            }
            g.peak = Math.max(g.peak, g.live);
            if (e.time() <= mid) {
                g.liveAtMid = g.live;
            }
        }
        double info = fraction(vp, INFO_SHARE);
        double warn = fraction(vp, WARNING_SHARE);
        long minGrowth = bytes(vp, MIN_GROWTH);
        Growth worst = null;
        List<String> rows = new ArrayList<>();
        for (Growth g : frameworks.values()) {
            g.score = g.growth() >= minGrowth ? RulesToolkit.mapExp100(g.share(), info, warn) : 0;
            if (worst == null || g.score > worst.score || (g.score == worst.score && g.growth() > worst.growth())) {
                worst = g;
            }
            rows.add(String.format("%s: %s live at mid-recording, %s at the end (peak %s; %d allocations, %d "
                    + "frees)", safe(g.framework), fmtBytes(g.liveAtMid), fmtBytes(g.live), fmtBytes(g.peak),
                    g.allocations, g.frees));
        }
        String table = sentence(rows);
        double seconds = (end - mid) / 1e9;
        if (worst.score < 25) {
            return scored(vp, worst.score)
                    .setSummary("Framework off-heap memory did not keep growing in the second half of the recording.")
                    .setExplanation("Live bytes per framework: " + table).addResult(FRAMEWORK, safe(worst.framework))
                    .addResult(GROWTH, memory(Math.max(0, worst.growth()))).addResult(LIVE_AT_END, memory(worst.live))
                    .build();
        }
        String site = worst.topLateSite();
        String summary = String.format("%s off-heap memory grew by %s in the second half of the recording (%s/s), to "
                + "%s live.", safe(worst.framework), fmtBytes(worst.growth()),
                fmtBytes(seconds > 0 ? (long) (worst.growth() / seconds) : worst.growth()), fmtBytes(worst.live));
        String explanation = "Live bytes per framework (allocated minus freed, from the agent's events): " + table
                + (site == null ? "" : "Most bytes allocated in the second half came from " + safe(site) + ". ")
                + "Memory a framework takes at start-up and reuses stays flat; steady growth means buffers that "
                + "are not released (direct buffers are freed only when the garbage collector clears them, Netty "
                + "buffers only on release(), FFM segments when their arena closes).";
        String solution = advice(worst.framework) + " Record longer to confirm the trend.";
        return scored(vp, worst.score).setSummary(summary).setExplanation(explanation).setSolution(solution)
                .addResult(FRAMEWORK, safe(worst.framework)).addResult(GROWTH, memory(worst.growth()))
                .addResult(LIVE_AT_END, memory(worst.live)).build();
    }
}

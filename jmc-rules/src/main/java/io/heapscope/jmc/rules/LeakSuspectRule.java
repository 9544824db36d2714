package io.heapscope.jmc.rules;

import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_ALLOCATED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_FREED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_RECYCLED;
import static io.heapscope.jmc.rules.HeapscopeEventTypes.BUFFER_RELEASED;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.RequiredEventsBuilder;

/**
 * Leak suspects: buffers handed out (allocated or recycled) and not freed by the end of the recording, grouped by the
 * application frame that asked for them. As async-profiler's {@code --leak}, allocations in the last part of the
 * recording (10% by default) are ignored: they had no time to be freed. A group is a suspect when it has at least a
 * few such buffers (4) and bytes (1 MiB); its score grows with the share of the site's allocations never freed.
 */
public final class LeakSuspectRule extends HeapscopeRule {
    public static final String ID = "HeapscopeLeakSuspects";

    static final TypedPreference<IQuantity> IGNORED_TAIL = percentPref("heapscope.leak.ignoredTail",
            "Ignored end of recording", "Allocations in this last share of the recording are not suspects", 10);
    static final TypedPreference<IQuantity> MIN_COUNT = countPref("heapscope.leak.minCount",
            "Fewest unfreed buffers", "A site with fewer unfreed buffers is not a suspect", 4);
    static final TypedPreference<IQuantity> MIN_BYTES = bytesPref("heapscope.leak.minBytes",
            "Smallest unfreed amount", "A site with fewer unfreed bytes is not a suspect", 1L << 20);
    static final TypedPreference<IQuantity> INFO_SHARE = percentPref("heapscope.leak.info",
            "Unfreed share for information", "Share of a site's allocations never freed", 25);
    static final TypedPreference<IQuantity> WARNING_SHARE = percentPref("heapscope.leak.warning",
            "Unfreed share for a warning", "Share of a site's allocations never freed", 50);

    static final TypedResult<String> TOP_SITE = textResult("topSite", "Top Suspect", "Frame of the worst suspect");
    static final TypedResult<IQuantity> UNFREED = countResult("unfreedBuffers", "Unfreed Buffers",
            "Buffers of the top suspect never freed");
    static final TypedResult<IQuantity> UNFREED_BYTES = memoryResult("unfreedBytes", "Unfreed Bytes",
            "Bytes of the top suspect never freed");

    public LeakSuspectRule() {
        super(ID, "Off-heap leak suspects", prefs(IGNORED_TAIL, MIN_COUNT, MIN_BYTES, INFO_SHARE, WARNING_SHARE,
                AppFrames.EXCLUDED_PACKAGES), results(TOP_SITE, UNFREED, UNFREED_BYTES),
                RequiredEventsBuilder.create().addEventType(BUFFER_ALLOCATED, EventAvailability.ENABLED).build());
    }

    private record Live(long time, long size, String site) {
    }

    /** Per allocation site: allocations before the cut-off, and those of them never freed. */
    static final class Site {
        final String frame;
        long allocations;
        long unfreed;
        long unfreedBytes;
        double score;

        Site(String frame) {
            this.frame = frame;
        }

        double unfreedShare() {
            return allocations == 0 ? 0 : unfreed / (double) allocations;
        }
    }

    @Override
    protected IResult evaluate(IItemCollection items, IPreferenceValueProvider vp) {
        AppFrames frames = new AppFrames(vp.getPreferenceValue(AppFrames.EXCLUDED_PACKAGES));
        IQuantity first = RulesToolkit.getEarliestStartTime(items);
        IQuantity last = RulesToolkit.getLatestEndTime(items);
        if (first == null || last == null) {
            return notApplicable(vp, "The recording has no events.");
        }
        long start = first.clampedLongValueIn(UnitLookup.EPOCH_NS);
        long end = last.clampedLongValueIn(UnitLookup.EPOCH_NS);
        double tail = fraction(vp, IGNORED_TAIL);
        long cutoff = end - (long) ((end - start) * tail);

        Map<String, Live> live = new HashMap<>();
        Map<String, Site> sites = new LinkedHashMap<>();
        long frees = 0;
        for (HsEvent e : HsEvent.of(items, BUFFER_ALLOCATED, BUFFER_RECYCLED, BUFFER_FREED, BUFFER_RELEASED)) {
            String key = bufferKey(e);
            if (e.is(BUFFER_ALLOCATED) || e.is(BUFFER_RECYCLED)) {
                String site = frames.topFrame(e.stackTrace());
                live.put(key, new Live(e.time(), e.firstLong(0, "alignedSize", "requestedSize", "size"), site));
                if (e.time() < cutoff) {
                    sites.computeIfAbsent(site, Site::new).allocations++;
                }
            } else if (live.remove(key) != null) {
                frees++;
            }
        }
        long ignored = 0;
        for (Live l : live.values()) {
            if (l.time() >= cutoff) {
                ignored++;
                continue;
            }
            Site s = sites.computeIfAbsent(l.site(), Site::new);
            s.unfreed++;
            s.unfreedBytes += l.size();
        }
        long minCount = number(vp, MIN_COUNT);
        long minBytes = bytes(vp, MIN_BYTES);
        double info = fraction(vp, INFO_SHARE);
        double warn = fraction(vp, WARNING_SHARE);
        List<Site> suspects = new ArrayList<>();
        for (Site s : sites.values()) {
            if (s.unfreed >= minCount && s.unfreedBytes >= minBytes) {
                s.score = RulesToolkit.mapExp100(s.unfreedShare(), info, warn);
                suspects.add(s);
            }
        }
        suspects.sort(Comparator.comparingDouble((Site s) -> s.score).thenComparingLong(s -> s.unfreedBytes)
                .reversed());
        String window = String.format("Allocations in the last %s of the recording (%d buffers still live) are "
                + "ignored, as async-profiler's --leak does.", fmtPercent(tail), ignored);
        if (suspects.isEmpty()) {
            long unfreed = 0;
            long unfreedBytes = 0;
            for (Site s : sites.values()) {
                unfreed += s.unfreed;
                unfreedBytes += s.unfreedBytes;
            }
            return ok(vp, "No off-heap leak suspects.", String.format("%d buffers were freed or released during the "
                    + "recording; %d (%s) handed out earlier stayed unfreed, none from a site with at least %d such "
                    + "buffers and %s. %s", frees, unfreed, fmtBytes(unfreedBytes), minCount, fmtBytes(minBytes),
                    window));
        }
        Site top = suspects.get(0);
        long totalBuffers = 0;
        long totalBytes = 0;
        List<String> list = new ArrayList<>();
        for (int i = 0; i < suspects.size(); i++) {
            Site s = suspects.get(i);
            totalBuffers += s.unfreed;
            totalBytes += s.unfreedBytes;
            if (i < 5) {
                list.add(String.format("%s: %d buffers, %s, %s of its %d allocations", safe(s.frame), s.unfreed,
                        fmtBytes(s.unfreedBytes), fmtPercent(s.unfreedShare()), s.allocations));
            }
        }
        String summary = String.format("%s allocated %d off-heap buffers (%s) that were never freed.",
                safe(top.frame), top.unfreed, fmtBytes(top.unfreedBytes));
        String explanation = String.format("%d buffers (%s) handed out before the last %s of the recording were "
                + "neither freed nor released by its end. Suspects by allocating frame: %s%s Buffers meant to live "
                + "for the whole run (weights, long-lived caches) also show here; a real leak keeps growing from one "
                + "recording to the next.", totalBuffers, fmtBytes(totalBytes), fmtPercent(tail), sentence(list), window);
        String solution = "Check that every buffer allocated at " + safe(top.frame) + " is freed (free() or closing "
                + "its owner) on every path, including errors; record longer to see whether the unfreed bytes keep "
                + "growing.";
        return scored(vp, top.score).setSummary(summary).setExplanation(explanation).setSolution(solution)
                .addResult(TOP_SITE, safe(top.frame)).addResult(UNFREED, count(top.unfreed))
                .addResult(UNFREED_BYTES, memory(top.unfreedBytes)).build();
    }

    /** Buffer identity: owner (framework, allocator) and buffer id (stable across recycling), else the address. */
    private static String bufferKey(HsEvent e) {
        String owner = e.getString("framework") + "/" + e.pool().allocatorId();
        long id = e.getLong("bufferId", 0);
        if (id != 0) {
            return owner + "#" + id;
        }
        return owner + "@" + e.getLong("address", 0);
    }
}

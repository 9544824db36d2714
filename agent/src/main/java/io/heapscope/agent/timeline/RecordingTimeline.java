package io.heapscope.agent.timeline;

import io.heapscope.agent.events.JfrAgentSink;
import io.heapscope.agent.hooks.MappedFileHook;
import io.heapscope.agent.replay.WorkloadReader;


import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory timeline from a JFR recording with Heapscope events, read by event-type and field name (fields that are
 * missing read as 0/""), sorted by start time (JFR files are not in time order). x is milliseconds since the first
 * Heapscope event. Sites are the first application frame of the stack of each allocation event.
 */
public final class RecordingTimeline {
    private RecordingTimeline() {
    }

    public static final int COLUMNS = 2000;
    public static final int SNAPSHOTS = 60;

    /** One Heapscope event as read: when, what, and its site (-1 none; -2 a free that ends a site allocation). */
    private record Read(long nanos, TimelineEvent event, int site, long siteKey) {
    }

    public static TimelineRecorder read(Path file) throws IOException {
        // JFR writes events per thread buffer, not in time order: read them all, then sort by start time
        List<Read> events = new ArrayList<>();
        Map<String, String> strings = new HashMap<>();
        List<String[]> sites = new ArrayList<>();
        Map<String, Integer> siteIds = new HashMap<>();
        long limitHigh = 0;
        long limitLow = 0;
        try (RecordingFile f = new RecordingFile(file)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                if (type.equals("heapscope.PoolStatistics")) {
                    limitHigh = Math.max(limitHigh, num(e, "highWatermarkLimit"));
                    limitLow = Math.max(limitLow, num(e, "lowWatermarkLimit"));
                    continue;
                }
                TimelineEvent.Kind k = kind(type);
                if (k == null) {
                    continue;
                }
                TimelineEvent me = toMemoryEvent(k, e, strings);
                boolean allocatorEvent = WorkloadReader.isAllocatorEvent(e);
                long key = siteKey(allocatorEvent, me.framework(), me.address() != 0 ? me.address() : me.bufferId());
                int site = -1;
                if ((k == TimelineEvent.Kind.BUFFER_ALLOCATED || k == TimelineEvent.Kind.BUFFER_RECYCLED)
                        && e.getStackTrace() != null) {
                    String[] s = WorkloadReader.siteAndStack(e.getStackTrace());
                    if (s[0] != null) {
                        Integer id = siteIds.get(s[0]);
                        if (id == null) {
                            id = sites.size();
                            siteIds.put(s[0], id);
                            sites.add(s);
                        }
                        site = id;
                    }
                } else if (k == TimelineEvent.Kind.BUFFER_FREED
                        || k == TimelineEvent.Kind.BUFFER_RELEASED && !allocatorEvent) {
                    site = -2;
                }
                events.add(new Read(nanos(e.getStartTime()), me, site, key));
            }
        }
        events.sort(Comparator.comparingLong(Read::nanos)); // stable: ties keep file order
        long first = events.isEmpty() ? 0 : events.getFirst().nanos();
        long last = events.isEmpty() ? 0 : events.getLast().nanos();
        TimelineRecorder r = new TimelineRecorder(WorkloadReader.nameOf(file), 0, (last - first) / 1e6, "ms",
                COLUMNS, SNAPSHOTS);
        int[] recorderSite = new int[sites.size()];
        for (int i = 0; i < recorderSite.length; i++) {
            recorderSite[i] = r.site(sites.get(i)[0], sites.get(i)[1]);
        }
        for (Read ev : events) {
            r.at((ev.nanos() - first) / 1e6);
            TimelineEvent me = ev.event();
            if (ev.site() >= 0) {
                r.siteAlloc(recorderSite[ev.site()], ev.siteKey(),
                        me.alignedSize() != 0 ? me.alignedSize() : me.requestedSize());
            } else if (ev.site() == -2) {
                r.siteFree(ev.siteKey());
            }
            r.accept(me);
        }
        if (limitHigh > 0 || limitLow > 0) {
            r.watermarks(limitHigh, limitLow);
        }
        return r;
    }

    private static long siteKey(boolean allocator, String framework, long key) {
        return allocator ? key : key ^ ((long) framework.hashCode() << 48);
    }

    static TimelineEvent.Kind kind(String type) {
        return switch (type) {
            case "heapscope.BufferAllocated" -> TimelineEvent.Kind.BUFFER_ALLOCATED;
            case "heapscope.BufferRecycled" -> TimelineEvent.Kind.BUFFER_RECYCLED;
            case "heapscope.BufferFreed" -> TimelineEvent.Kind.BUFFER_FREED;
            case "heapscope.BufferReleased" -> TimelineEvent.Kind.BUFFER_RELEASED;
            case "heapscope.HeapAllocated" -> TimelineEvent.Kind.HEAP_ALLOCATED;
            case "heapscope.HeapReleased" -> TimelineEvent.Kind.HEAP_RELEASED;
            case "heapscope.GarbageCollection" -> TimelineEvent.Kind.GARBAGE_COLLECTION;
            case "heapscope.AllocationFailed" -> TimelineEvent.Kind.ALLOCATION_FAILED;
            case "heapscope.MemoryPressure" -> TimelineEvent.Kind.MEMORY_PRESSURE;
            // the agent's framework events: memory a framework obtained or gave back (pool-internal buffer events
            // are not memory coming or going, so they are not on the timeline)
            case JfrAgentSink.ALLOCATION, JfrAgentSink.MAPPING -> TimelineEvent.Kind.BUFFER_ALLOCATED;
            case JfrAgentSink.FREE, JfrAgentSink.UNMAPPING -> TimelineEvent.Kind.BUFFER_FREED;
            default -> null;
        };
    }

    private static TimelineEvent toMemoryEvent(TimelineEvent.Kind k, RecordedEvent e, Map<String, String> strings) {
        boolean heap = k == TimelineEvent.Kind.HEAP_ALLOCATED || k == TimelineEvent.Kind.HEAP_RELEASED;
        String type = e.getEventType().getName();
        String framework = type.equals(JfrAgentSink.MAPPING) || type.equals(JfrAgentSink.UNMAPPING) ? MappedFileHook.FRAMEWORK
                : str(e, "framework");
        boolean agentEvent = e.hasField("size") && !e.hasField("alignedSize");
        return TimelineEvent.builder(k)
                .framework(framework.isEmpty() ? TimelineEvent.FRAMEWORK_HEAPSCOPE
                        : strings.computeIfAbsent(framework, x -> x))
                .pool(strings.computeIfAbsent(str(e, "pool"), x -> x))
                .storageMode(strings.computeIfAbsent(str(e, "storageMode"), x -> x))
                .bufferId(num(e, "bufferId"))
                .heapId(num(e, "heapId"))
                .requestedSize(agentEvent ? num(e, "size") : num(e, "requestedSize"))
                .alignedSize(agentEvent ? num(e, "size") : heap ? num(e, "heapSize")
                        : k == TimelineEvent.Kind.MEMORY_PRESSURE ? num(e, "deviceAllocated") : num(e, "alignedSize"))
                .address(num(e, "address"))
                .heapAvailable(num(e, "heapAvailable"))
                .totalReserved(num(e, "totalReserved"))
                .totalInUse(num(e, "totalInUse"))
                .count(k == TimelineEvent.Kind.GARBAGE_COLLECTION ? num(e, "freedBuffers") : num(e, "heapCount"))
                .reclaimedBytes(num(e, "reclaimedBytes"))
                .targetBytes(k == TimelineEvent.Kind.MEMORY_PRESSURE ? num(e, "lowWatermarkLimit") : num(e, "targetBytes"))
                .pressure(k == TimelineEvent.Kind.MEMORY_PRESSURE ? bool(e, "entered") : bool(e, "highWatermark"))
                .message(strings.computeIfAbsent(str(e, "message"), x -> x))
                .build();
    }

    static long num(RecordedEvent e, String field) {
        if (!e.hasField(field)) {
            return 0;
        }
        Object v = e.getValue(field);
        return v instanceof Number n ? n.longValue() : 0;
    }

    static String str(RecordedEvent e, String field) {
        if (!e.hasField(field)) {
            return "";
        }
        Object v = e.getValue(field);
        return v == null ? "" : v.toString();
    }

    static boolean bool(RecordedEvent e, String field) {
        return e.hasField(field) && e.getValue(field) instanceof Boolean b && b;
    }

    private static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** The page data for one recording. */
    public static Map<String, Object> page(Path file, TimelineRecorder r) {
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("source", file.getFileName().toString());
        return Page.data("Heapscope memory timeline: " + file.getFileName(), "recording " + file.getFileName(),
                java.util.List.of(r.finish(outcome)));
    }
}

package io.heapscope.telemetry;

import io.heapscope.allocator.AllocatorStatistics;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.backend.host.HostDevice;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmc.common.item.Attribute;
import org.openjdk.jmc.common.item.IAttribute;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.ItemFilters;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Records a deterministic workload with real JFR, reads it back with the JDK's parser and with JMC's, and checks
 * counts and sizes against the allocator's statistics for each flag combination.
 */
class JfrRecordingTest {
    private static final List<String> TYPES = List.of("heapscope.BufferAllocated", "heapscope.BufferRecycled",
            "heapscope.BufferFreed", "heapscope.BufferReleased", "heapscope.HeapAllocated", "heapscope.HeapReleased");

    @TempDir
    Path dir;

    record Counts(Map<String, Long> events, Map<String, Long> bytes) {
    }

    private AllocatorStatistics record(int mask, Path file) throws Exception {
        try (Recording r = new Recording()) {
            for (String t : TYPES) {
                r.enable(t).withStackTrace();
            }
            r.enable("heapscope.PoolStatistics").withPeriod(Duration.ofMillis(10));
            r.start();
            AllocatorStatistics stats;
            try (HostDevice d = HostDevice.builder().capacity(2L << 30).build();
                 HeapAllocator a = HeapAllocator.builder(d).verbosity(mask).build()) {
                Workload.run(a);
                Thread.sleep(mask == DebugVerbosity.PROFILING.bit() ? 100 : 0);
                stats = a.stats();
            }
            r.stop();
            r.dump(file);
            return stats;
        }
    }

    private static Counts jdkCounts(Path file) throws Exception {
        Map<String, Long> n = new TreeMap<>();
        Map<String, Long> b = new TreeMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String t = e.getEventType().getName();
            if (t.startsWith("heapscope.")) {
                n.merge(t, 1L, Long::sum);
                if (e.hasField("alignedSize")) {
                    b.merge(t, e.getLong("alignedSize"), Long::sum);
                } else if (e.hasField("heapSize")) {
                    b.merge(t, e.getLong("heapSize"), Long::sum);
                }
            }
        }
        return new Counts(n, b);
    }

    private static Counts jmcCounts(Path file) throws Exception {
        IItemCollection items = JfrLoaderToolkit.loadEvents(file.toFile());
        IAttribute<IQuantity> aligned = Attribute.attr("alignedSize", "Aligned Size", UnitLookup.MEMORY);
        IAttribute<IQuantity> heapSize = Attribute.attr("heapSize", "Heap Size", UnitLookup.MEMORY);
        Map<String, Long> n = new TreeMap<>();
        Map<String, Long> b = new TreeMap<>();
        for (String t : TYPES) {
            for (IItemIterable it : items.apply(ItemFilters.type(t))) {
                IMemberAccessor<IQuantity, IItem> acc = aligned.getAccessor(it.getType());
                if (acc == null) {
                    acc = heapSize.getAccessor(it.getType());
                }
                for (IItem item : it) {
                    n.merge(t, 1L, Long::sum);
                    b.merge(t, acc.getMember(item).clampedLongValueIn(UnitLookup.BYTE), Long::sum);
                }
            }
        }
        return new Counts(n, b);
    }

    @ParameterizedTest(name = "mask {0}")
    @ValueSource(ints = {0, 2, 4, 8, 14, 15, 30})
    void recordedCountsEqualTheAllocatorsStatistics(int mask) throws Exception {
        Path file = dir.resolve("m" + mask + ".jfr");
        AllocatorStatistics s = record(mask, file);
        Counts jdk = jdkCounts(file);
        boolean largeOnly = DebugVerbosity.LARGE_ONLY.isSet(mask);
        if (!largeOnly) {
            Map<String, Long> expected = new TreeMap<>();
            expect(expected, "heapscope.BufferAllocated", DebugVerbosity.ALLOCATIONS.isSet(mask), s.buffersAllocated());
            expect(expected, "heapscope.HeapAllocated", DebugVerbosity.ALLOCATIONS.isSet(mask), s.heapsAllocated());
            expect(expected, "heapscope.BufferRecycled", DebugVerbosity.RECYCLES.isSet(mask), s.buffersRecycled());
            expect(expected, "heapscope.BufferFreed", DebugVerbosity.RELEASES.isSet(mask), s.buffersFreed());
            expect(expected, "heapscope.BufferReleased", DebugVerbosity.RELEASES.isSet(mask), s.buffersReleased());
            expect(expected, "heapscope.HeapReleased", DebugVerbosity.RELEASES.isSet(mask), s.heapsReleased());
            Map<String, Long> got = new TreeMap<>(jdk.events());
            got.remove("heapscope.PoolStatistics");
            assertEquals(expected, got, "JDK parser, mask " + DebugVerbosity.format(mask));
            if (DebugVerbosity.ALLOCATIONS.isSet(mask)) {
                assertEquals(s.reserved().allocated(), jdk.bytes().get("heapscope.HeapAllocated"), "heap bytes");
            }
            if (DebugVerbosity.RELEASES.isSet(mask)) {
                assertEquals(s.reserved().freed(), jdk.bytes().get("heapscope.HeapReleased"));
                assertEquals(s.inUse().freed(), jdk.bytes().get("heapscope.BufferFreed"), "freed bytes");
            }
        } else {
            Path all = dir.resolve("all" + mask + ".jfr");
            record(mask & ~DebugVerbosity.LARGE_ONLY.bit(), all);
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (e.getEventType().getName().startsWith("heapscope.Buffer")) {
                    assertTrue(e.getString("pool").endsWith("_LARGE"), "LARGE_ONLY let through " + e.getString("pool"));
                }
            }
            long largeInAll = RecordingFile.readAllEvents(all).stream()
                    .filter(e -> e.getEventType().getName().startsWith("heapscope.Buffer"))
                    .filter(e -> e.getString("pool").endsWith("_LARGE")).count();
            long recorded = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("heapscope.Buffer")).count();
            assertEquals(largeInAll, recorded);
            assertTrue(recorded > 0);
        }
        // JMC's parser reads the same recording the same way
        Counts jmc = jmcCounts(file);
        Map<String, Long> jdkBuffers = new TreeMap<>(jdk.events());
        jdkBuffers.remove("heapscope.PoolStatistics");
        assertEquals(jdkBuffers, jmc.events(), "JMC parser agrees on counts");
        Map<String, Long> jdkBytes = new TreeMap<>(jdk.bytes());
        jdkBytes.keySet().retainAll(TYPES);
        assertEquals(jdkBytes, jmc.bytes(), "JMC parser agrees on sizes");
        if (mask == 0) {
            assertTrue(jdk.events().isEmpty(), "SILENT: no Heapscope event at all");
        }
    }

    @Test
    void allocationEventsCarryStackTracesAndFields() throws Exception {
        Path file = dir.resolve("fields.jfr");
        record(DebugVerbosity.ALLOCATIONS.bit(), file);
        RecordedEvent first = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("heapscope.BufferAllocated")).findFirst().orElseThrow();
        assertTrue(first.getLong("allocatorId") > 0);
        assertTrue(first.getString("allocatorName").startsWith("heapscope-"), first.getString("allocatorName"));
        assertEquals("SHARED_SMALL", first.getString("pool"));
        assertEquals(100, first.getLong("requestedSize"));
        assertEquals(4096, first.getLong("alignedSize"));
        assertEquals(1, first.getLong("bufferId"));
        assertTrue(first.getLong("address") != 0);
        assertFalse(first.getStackTrace().getFrames().isEmpty());
        // Heapscope's own frames are filtered out: the first frame is the application's call of malloc
        assertEquals(Workload.class.getName(), first.getStackTrace().getFrames().getFirst().getMethod().getType()
                .getName(), "top frame: " + first.getStackTrace().getFrames().getFirst());
    }

    @Test
    void poolStatisticsArePeriodicUnderProfiling() throws Exception {
        Path file = dir.resolve("stats.jfr");
        record(DebugVerbosity.PROFILING.bit(), file);
        List<RecordedEvent> stats = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("heapscope.PoolStatistics")).toList();
        assertFalse(stats.isEmpty(), "periodic pool statistics recorded");
        assertEquals(0, stats.size() % 5, "one event per pool per period");
        assertTrue(stats.stream().allMatch(e -> e.getLong("highWatermarkLimit") == (long) (1.7 * (2L << 30))));
    }

    private static void expect(Map<String, Long> m, String type, boolean on, long count) {
        if (on && count > 0) {
            m.put(type, count);
        }
    }
}

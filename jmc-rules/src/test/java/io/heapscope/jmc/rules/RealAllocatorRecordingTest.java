package io.heapscope.jmc.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmc.flightrecorder.rules.Severity;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.MpsOutOfMemoryException;
import io.heapscope.allocator.UsageFlags;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.jmc.rules.RuleReports.Outcome;
import jdk.jfr.Recording;

/**
 * The rules on a recording of the real Heapscope allocator on its host backend, with whatever event classes the
 * allocator has today: the rules read fields by name and skip the allocator's and telemetry's own stack frames.
 */
class RealAllocatorRecordingTest {
    static final long MiB = 1 << 20;
    static final List<String> TYPES = List.of("heapscope.BufferAllocated", "heapscope.BufferRecycled",
            "heapscope.BufferFreed", "heapscope.BufferReleased", "heapscope.HeapAllocated", "heapscope.HeapReleased",
            "heapscope.GarbageCollection", "heapscope.AllocationFailed", "heapscope.MemoryPressure",
            "heapscope.PoolStatistics");

    @TempDir
    Path dir;

    @Test
    void leakFailureAndWatermarkOfTheRealAllocatorAreReported() throws Exception {
        Path file = dir.resolve("real.jfr");
        int flags = DebugVerbosity.ALLOCATIONS.bit() | DebugVerbosity.RECYCLES.bit() | DebugVerbosity.RELEASES.bit()
                | DebugVerbosity.PROFILING.bit();
        try (Recording r = new Recording();
                HostDevice device = HostDevice.builder().capacity(256 * MiB).build();
                HeapAllocator allocator = HeapAllocator.builder(device).verbosity(flags)
                        .sinks(java.util.Set.of("jfr")).lowWatermarkRatio(0.4).highWatermarkRatio(0.5).build()) {
            for (String t : TYPES) {
                r.enable(t).withStackTrace();
            }
            r.enable("heapscope.PoolStatistics").withPeriod(Duration.ofMillis(20));
            r.enable("jdk.ActiveSetting");
            r.start();
            List<MpsBuffer> kept = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                keepActivationsForever(allocator, kept);
                useTemporaries(allocator);
                Thread.sleep(2);
            }
            assertThrows(MpsOutOfMemoryException.class, () -> loadTooLargeModel(allocator));
            Thread.sleep(150);
            prefetchAtTheEnd(allocator, kept);
            r.stop();
            r.dump(file);
        }
        Map<String, Outcome> outcomes = RuleReports.report(file);
        for (String id : HeapscopeRulesTest.IDS) {
            assertNull(outcomes.get(id).error(), id);
        }
        Outcome leak = outcomes.get(LeakSuspectRule.ID);
        assertEquals(Severity.WARNING, leak.sev(), leak::toString);
        assertTrue(leak.summary().startsWith(
                "io.heapscope.jmc.rules.RealAllocatorRecordingTest.keepActivationsForever allocated 10 off-heap buffers"),
                leak.summary());
        assertFalse(leak.all().contains("useTemporaries") || leak.all().contains("prefetchAtTheEnd"), leak.all());

        Outcome failure = outcomes.get(AllocationFailureRule.ID);
        assertEquals(Severity.WARNING, failure.sev(), failure::toString);
        assertTrue(failure.summary().startsWith("1 off-heap allocation failed; the largest asked for 200 MiB"),
                failure.summary());
        assertTrue(failure.explanation().contains("RealAllocatorRecordingTest.loadTooLargeModel"),
                failure.explanation());

        // 0.5 x 256 MiB; at most 22 MiB kept in use
        Outcome watermark = outcomes.get(WatermarkProximityRule.ID);
        assertEquals(Severity.OK, watermark.sev(), watermark::toString);
        assertTrue(watermark.explanation().contains("of a 128 MiB high watermark limit"), watermark.explanation());
    }

    private static void keepActivationsForever(HeapAllocator a, List<MpsBuffer> kept) {
        kept.add(a.malloc(1 * MiB, UsageFlags.PRIVATE));
    }

    private static void useTemporaries(HeapAllocator a) {
        MpsBuffer b = a.malloc(256 * 1024, UsageFlags.SHARED);
        a.free(b);
    }

    private static void loadTooLargeModel(HeapAllocator a) {
        a.malloc(200 * MiB, UsageFlags.PRIVATE);
    }

    private static void prefetchAtTheEnd(HeapAllocator a, List<MpsBuffer> kept) {
        for (int i = 0; i < 6; i++) {
            kept.add(a.malloc(2 * MiB, UsageFlags.PRIVATE));
        }
    }
}

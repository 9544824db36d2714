package io.heapscope.jmc.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.UsageFlags;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.jmc.rules.RuleReports.Outcome;
import jdk.jfr.Recording;

/**
 * A real recording in which no allocation failed (or no buffer was released) has those event types (the allocator's
 * JFR telemetry registers every type once a flag is set, so they are in the metadata) but no such event. Those rules
 * must say OK, not N/A, when the allocator's other events are there.
 */
class AbsentEventTypesTest {
    static final long MiB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void failureAndChurnRulesAreOkWhenTheirEventsNeverFired() throws Exception {
        Path file = dir.resolve("no-failures.jfr");
        int flags = DebugVerbosity.ALLOCATIONS.bit() | DebugVerbosity.RECYCLES.bit() | DebugVerbosity.RELEASES.bit();
        try (Recording r = new Recording();
                HostDevice device = HostDevice.builder().capacity(256 * MiB).build();
                HeapAllocator allocator = HeapAllocator.builder(device).verbosity(flags)
                        .sinks(java.util.Set.of("jfr")).build()) {
            for (String t : List.of("heapscope.BufferAllocated", "heapscope.BufferRecycled", "heapscope.BufferFreed",
                    "heapscope.HeapAllocated", "heapscope.AllocationFailed", "heapscope.BufferReleased")) {
                r.enable(t).withStackTrace();
            }
            r.enable("jdk.ActiveSetting");
            r.start();
            for (int i = 0; i < 8; i++) {
                MpsBuffer b = allocator.malloc(1 * MiB, UsageFlags.PRIVATE);
                allocator.free(b);
            }
            r.stop();
            r.dump(file);
        }
        Map<String, Outcome> outcomes = RuleReports.report(file);
        var items = JfrLoaderToolkit.loadEvents(file.toFile());
        assertEquals(EventAvailability.ENABLED, RulesToolkit.getEventAvailability(items, "heapscope.AllocationFailed"),
                "precondition: the failure type is in the recording, enabled, without events");
        assertEquals(EventAvailability.ENABLED, RulesToolkit.getEventAvailability(items, "heapscope.BufferReleased"),
                "precondition: the release type is in the recording, enabled, without events");

        Outcome failures = outcomes.get(AllocationFailureRule.ID);
        assertEquals(Severity.OK, failures.sev(), failures::toString);
        assertEquals("No off-heap allocation failed.", failures.summary());
        Outcome churn = outcomes.get(GcChurnRule.ID);
        assertEquals(Severity.OK, churn.sev(), churn::toString);
        assertEquals("No cached buffer was released.", churn.summary());
    }
}

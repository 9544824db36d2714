package io.heapscope.bench.replay;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.backend.host.HostDevice;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replays the real PyTorch traces in ../shared/traces through the allocator on the host backend. */
class TraceReplayTest {
    private static final Path TRACES = Path.of(System.getProperty("heapscope.traces", "../../shared/traces"));

    private static Path trace(String name) {
        Path p = TRACES.resolve(name + ".trace.csv.gz");
        assertTrue(Files.isRegularFile(p), "trace missing at " + p.toAbsolutePath()
                + " (shared/ must sit beside the checkout, as in CI)");
        return p;
    }

    @Test
    void trainingTraceReplaysWithBalancedBooks() throws Exception {
        Path p = trace("gpt2_train");
        List<TraceEvent> events = TraceReader.read(p);
        assertEquals(13_851, events.size(), "alloc + free_completed lines of the trace");
        try (HostDevice d = HostDevice.builder().capacity(16L << 30).build();
             HeapAllocator a = HeapAllocator.builder(d).build()) {
            ReplayResult r = TraceReplay.replay("gpt2_train", events, a, TraceReplay.pytorchSummary(p));
            assertEquals(0, r.unmatchedFrees());
            assertEquals(events.size(), r.events());
            assertEquals(2_309_656_584L, r.peakTraceLive(), "peak of live trace bytes");
            assertTrue(r.peakAllocated() >= r.peakTraceLive(), "aligned in-use bytes cover the live bytes");
            assertTrue(r.peakReserved() >= r.peakAllocated());
            assertEquals(r.newBuffers() + r.recycledBuffers(), events.stream().filter(TraceEvent::alloc).count());
            assertEquals(0, a.getCurrentAllocatedMemory(), "everything freed at the end");
            assertEquals(2_480_930_816L, ((Number) r.pytorch().get("reserved_bytes.all.peak")).longValue());
            String json = r.toJson();
            assertTrue(json.contains("\"peak_reserved_bytes\": " + r.peakReserved()), json);
        }
    }

    @Test
    void summaryJsonIsReadFlat() {
        Map<String, Object> m = Json.readFlat("{\"a\": 1, \"b\": \"x\\\"y\", \"c\": 2.5, \"d\": null, \"e\": true}");
        assertEquals(1L, m.get("a"));
        assertEquals("x\"y", m.get("b"));
        assertEquals(2.5, m.get("c"));
        assertTrue(m.containsKey("d"));
        assertEquals(Boolean.TRUE, m.get("e"));
    }
}

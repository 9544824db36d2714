package io.heapscope.bench.replay;

import io.heapscope.allocator.AllocationPolicy;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.backend.host.HostDevice;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The split policy's goal: on every trace in ../shared/traces (the two known ones and any other put there), in
 * unified and in discrete sizing, peak reserved over peak live trace bytes is at or below PyTorch CUDA's own figure
 * (its peak reserved over its peak allocated, from the trace's .summary.json). The faithful policy, for contrast,
 * stays above it on the known traces (it is the seed's, not built for this).
 */
class SplitPolicyReplayTest {
    private static final Path TRACES = Path.of(System.getProperty("heapscope.traces", "../../shared/traces"));

    private static List<Path> traces() throws Exception {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(TRACES)) {
            s.filter(p -> p.getFileName().toString().matches(".*\\.trace\\.csv(\\.gz)?")).sorted().forEach(out::add);
        }
        List<String> names = out.stream().map(TraceReplay::nameOf).toList();
        assertTrue(names.containsAll(List.of("gpt2_train", "gpt2_infer_varlen")),
                "the shared traces at " + TRACES.toAbsolutePath() + ": " + names);
        return out;
    }

    private static ReplayResult replay(Path trace, List<TraceEvent> events, AllocationPolicy policy, boolean unified)
            throws Exception {
        try (HostDevice d = HostDevice.builder().capacity(16L << 30).unifiedMemory(unified).build();
             HeapAllocator a = HeapAllocator.builder(d).policy(policy).build()) {
            ReplayResult r = TraceReplay.replay(TraceReplay.nameOf(trace), events, a, TraceReplay.pytorchSummary(trace));
            assertEquals(0, a.getCurrentAllocatedMemory(), "everything freed at the end");
            a.emptyCache();
            assertEquals(0, a.getTotalAllocatedMemory(), "emptyCache releases every heap");
            assertEquals(0, d.currentAllocatedSize());
            return r;
        }
    }

    @Test
    void splitReservesNoMoreThanPyTorchPerLiveByteOnEveryTrace() throws Exception {
        for (Path trace : traces()) {
            List<TraceEvent> events = TraceReader.read(trace);
            for (boolean unified : new boolean[]{true, false}) {
                ReplayResult r = replay(trace, events, AllocationPolicy.SPLIT, unified);
                String what = r.trace() + (unified ? " unified" : " discrete") + ": " + r.toJson();
                double pytorch = r.pytorchReservedOverAllocated();
                assertFalse(Double.isNaN(pytorch), "PyTorch's peaks in the summary of " + what);
                assertEquals(0, r.unmatchedFrees(), what);
                assertEquals("split", r.policy());
                assertTrue(r.peakAllocated() >= r.peakTraceLive(), what);
                assertTrue(r.peakReserved() >= r.peakAllocated(), what);
                assertTrue(r.reservedOverTraceLive() <= pytorch, String.format(
                        "%s: split reserves %.4f bytes per live byte, PyTorch %.4f", what, r.reservedOverTraceLive(),
                        pytorch));
            }
        }
    }

    @Test
    void faithfulStaysTheSeedsOnTheKnownTraces() throws Exception {
        for (Path trace : traces()) {
            String name = TraceReplay.nameOf(trace);
            if (!List.of("gpt2_train", "gpt2_infer_varlen").contains(name)) {
                continue;
            }
            ReplayResult r = replay(trace, TraceReader.read(trace), AllocationPolicy.FAITHFUL, true);
            assertEquals("faithful", r.policy());
            // the seed's figures (docs/benchmarks.md): unchanged by the split policy's existence
            assertEquals(name.equals("gpt2_train") ? 3_271_557_120L : 4_387_241_984L, r.peakReserved(), r.toJson());
            assertTrue(r.reservedOverTraceLive() > r.pytorchReservedOverAllocated(), r.toJson());
        }
    }
}

package io.heapscope.agent.interchange;

import io.heapscope.agent.replay.Workload;
import io.heapscope.agent.replay.WorkloadReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exported pickle has the keys of a snapshot from PyTorch itself, and consistent segments and trace. */
class MemoryVizExportTest {
    static final Set<String> TOP = Set.of("segments", "device_traces", "allocator_settings", "external_annotations");
    static final Set<String> SEGMENT = Set.of("address", "total_size", "allocated_size", "active_size",
            "requested_size", "stream", "segment_type", "segment_pool_id", "device", "is_expandable", "frames", "blocks");
    static final Set<String> BLOCK = Set.of("address", "size", "requested_size", "state", "frames");
    static final Set<String> ENTRY = Set.of("action", "addr", "size", "stream", "time_us", "frames", "compile_context",
            "user_metadata");

    @TempDir
    Path dir;

    @Test
    void exportOfASnapshotKeepsItsSegmentsAndTrace() throws Exception {
        Path in = dir.resolve("in.pickle");
        Files.write(in, PickleTest.resource("synthetic-snapshot.pickle"));
        Map<?, ?> snap = export(in, "1929 trace entries");
        check(snap);
        assertEquals(67, ((List<?>) snap.get("segments")).size());
    }

    @Test
    void exportOfAnRmmLogSynthesizesOneSegmentPerAllocation() throws Exception {
        Path in = dir.resolve("rmm.csv");
        Files.writeString(in, """
                Thread,Time,Action,Pointer,Size,Stream
                140,10:00:00.000001,allocate,0x7f0000000000,1048576,0x0
                140,10:00:00.000002,allocate,0x7f0000200000,4096,0x0
                140,10:00:00.000003,free,0x7f0000000000,1048576,0x0
                """);
        Map<?, ?> snap = export(in, "6 trace entries");
        check(snap);
        List<?> segs = (List<?>) snap.get("segments");
        assertEquals(1, segs.size(), "one live allocation at the end");
        Map<?, ?> seg = (Map<?, ?>) segs.getFirst();
        assertEquals(0x7f0000200000L, seg.get("address"));
        assertEquals(4096L, seg.get("allocated_size"));
        List<?> trace = (List<?>) ((List<?>) snap.get("device_traces")).getFirst();
        assertEquals(List.of("segment_alloc", "alloc", "segment_alloc", "alloc", "free_completed", "segment_free"),
                trace.stream().map(e -> ((Map<?, ?>) e).get("action")).toList());
    }

    @Test
    void exportOfASharedTraceHasItsSegmentsAndEveryEvent() throws Exception {
        Path trace = Path.of(System.getProperty("heapscope.traces", "../../shared/traces"), "gpt2_train.trace.csv.gz");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(trace), "no shared trace at " + trace);
        Workload w = WorkloadReader.read(trace);
        Map<?, ?> snap = export(trace, w.size() + " trace entries");
        check(snap);
        long segmentAllocs = 0;
        for (int i = 0; i < w.size(); i++) {
            segmentAllocs += w.kind(i) == Workload.SEGMENT_ALLOC ? 1 : 0;
        }
        assertEquals(87, segmentAllocs, "PyTorch's summary: segment.all.allocated = 87");
        assertEquals(87, ((List<?>) snap.get("segments")).size(), "no segment_free in the trace: all 87 remain");
    }

    /** A Heapscope recording: its heaps become segments (base = first buffer placed in the heap). */
    @Test
    void exportOfAHeapscopeRecordingHasItsHeapsAsSegments() throws Exception {
        Path jfr = dir.resolve("rec.jfr");
        io.heapscope.agent.timeline.TimelineFixtures.record(jfr, 5, 1 << 20);
        Workload w = WorkloadReader.read(jfr);
        long heapsLive = 0;
        for (int i = 0; i < w.size(); i++) {
            heapsLive += w.kind(i) == Workload.SEGMENT_ALLOC ? 1 : w.kind(i) == Workload.SEGMENT_FREE ? -1 : 0;
            if (w.kind(i) == Workload.SEGMENT_ALLOC || w.kind(i) == Workload.SEGMENT_FREE) {
                assertTrue(w.address(i) != 0, "every heap action has a resolved address");
            }
        }
        Map<?, ?> snap = export(jfr, w.size() + " trace entries");
        check(snap);
        List<?> segs = (List<?>) snap.get("segments");
        assertEquals(heapsLive, segs.size(), "live heaps at the end");
        long allocated = 0;
        long activeBlocks = 0;
        for (Object s : segs) {
            allocated += (Long) ((Map<?, ?>) s).get("allocated_size");
            for (Object b : (List<?>) ((Map<?, ?>) s).get("blocks")) {
                activeBlocks += "active_allocated".equals(((Map<?, ?>) b).get("state")) ? 1 : 0;
            }
        }
        assertEquals(4L * (8 << 20), allocated, "the four 8 MiB weights, live in their heap");
        assertEquals(4, activeBlocks);
    }

    private Map<?, ?> export(Path in, String expect) throws Exception {
        Path out = dir.resolve("out.pickle");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int rc = ExportCommand.run(new String[] {"export", "--memory-viz", out.toString(), in.toString()},
                new PrintStream(o, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        assertTrue(o.toString(StandardCharsets.UTF_8).contains(expect), o.toString(StandardCharsets.UTF_8));
        return (Map<?, ?>) Pickle.read(Files.readAllBytes(out));
    }

    static void check(Map<?, ?> snap) {
        assertEquals(TOP, snap.keySet());
        for (Object s : (List<?>) snap.get("segments")) {
            Map<?, ?> seg = (Map<?, ?>) s;
            assertEquals(SEGMENT, seg.keySet());
            long cursor = (Long) seg.get("address");
            long allocated = 0;
            for (Object b : (List<?>) seg.get("blocks")) {
                Map<?, ?> block = (Map<?, ?>) b;
                assertEquals(BLOCK, block.keySet());
                assertEquals(cursor, block.get("address"), "blocks tile the segment in address order");
                cursor += (Long) block.get("size");
                assertTrue(Set.of("active_allocated", "inactive").contains(block.get("state")));
                if (block.get("state").equals("active_allocated")) {
                    allocated += (Long) block.get("size");
                }
            }
            assertEquals((Long) seg.get("address") + (Long) seg.get("total_size"), cursor);
            assertEquals(seg.get("allocated_size"), allocated);
        }
        for (Object d : (List<?>) snap.get("device_traces")) {
            for (Object e : (List<?>) d) {
                Map<?, ?> entry = (Map<?, ?>) e;
                assertTrue(entry.keySet().containsAll(ENTRY), entry.keySet().toString());
                assertTrue(Set.of("alloc", "free_requested", "free_completed", "segment_alloc", "segment_free", "oom")
                        .contains(entry.get("action")));
                if (entry.get("action").equals("oom")) {
                    assertTrue(entry.containsKey("device_free"), "PyTorch's trace() reads device_free");
                }
            }
        }
    }
}

package io.heapscope.agent.replay;

import io.heapscope.agent.timeline.TimelineFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class WorkloadReaderTest {
    @TempDir
    Path dir;

    @Test
    void pytorchTraceCsvGzipped() throws Exception {
        Path f = dir.resolve("t.trace.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write("""
                    # source: test
                    seq,time_us,action,addr,size,stream,site
                    0,100,segment_alloc,4096,2097152,0,
                    1,101,alloc,4096,512,0,model.py:3
                    2,102,free_requested,4096,512,0,
                    3,103,free_completed,4096,512,0,
                    """.getBytes());
        }
        Workload w = WorkloadReader.read(f);
        assertEquals("pytorch-trace-csv", w.format());
        assertEquals("t", w.name());
        assertEquals(4, w.size());
        assertEquals(2, w.replayable());
        assertEquals(Workload.ALLOC, w.kind(1));
        assertEquals(512, w.bytes(1));
        assertEquals(101, w.timeUs(1));
        assertEquals("model.py:3", w.sites().get(w.siteId(1)).name());
    }

    @Test
    void sharedTraceCountsMatchTheFile() throws Exception {
        Path trace = Path.of(System.getProperty("heapscope.traces", "../../shared/traces"), "gpt2_infer_varlen.trace.csv.gz");
        assumeTrue(Files.exists(trace), "no shared trace at " + trace);
        Workload w = WorkloadReader.read(trace);
        assertEquals(60246, w.size(), "the README's event count");
        assertEquals(40144, w.replayable(), "alloc + free_completed: the replay's figure in docs/benchmarks.md");
    }

    @Test
    void rmmLogWithHexPointersAndClockTimes() throws Exception {
        Path f = dir.resolve("rmm_log.csv");
        Files.writeString(f, """
                Thread,Time,Action,Pointer,Size,Stream
                7,12:00:01.500000,allocate,0x7f00aa000000,1000,0x0
                7,12:00:01.600000,allocate failure,0x0,99999999999,0x0
                7,12:00:02.000000,free,0x7f00aa000000,1000,0x0
                """);
        Workload w = WorkloadReader.read(f);
        assertEquals("rmm-csv", w.format());
        assertEquals(3, w.size());
        assertEquals(0x7f00aa000000L, w.address(0));
        assertEquals(Workload.OOM, w.kind(1));
        assertEquals(Workload.FREE, w.kind(2));
        assertEquals(500_000, w.timeUs(2) - w.timeUs(0));
    }

    @Test
    void pytorchSnapshotPickle() throws Exception {
        Path f = dir.resolve("snap.pickle");
        try (InputStream in = WorkloadReaderTest.class.getResourceAsStream(
                "/io/heapscope/agent/interchange/synthetic-snapshot.pickle")) {
            Files.write(f, in.readAllBytes());
        }
        Workload w = WorkloadReader.read(f);
        assertEquals("pytorch-snapshot", w.format());
        assertEquals(1929, w.size());
        int allocs = 0;
        for (int i = 0; i < w.size(); i++) {
            allocs += w.kind(i) == Workload.ALLOC ? 1 : 0;
        }
        assertEquals(691, allocs);
        // site: the first frame outside torch
        assertTrue(w.sites().stream().anyMatch(s -> s.name().equals("/home/user/train.py:42:step")),
                w.sites().toString());
    }

    @Test
    void heapscopeJfrRecording() throws Exception {
        Path f = dir.resolve("rec.jfr");
        TimelineFixtures.record(f, 5, 1 << 20);
        Workload w = WorkloadReader.read(f);
        assertEquals("heapscope-jfr", w.format());
        int allocs = 0;
        int frees = 0;
        for (int i = 0; i < w.size(); i++) {
            allocs += w.kind(i) == Workload.ALLOC ? 1 : 0;
            frees += w.kind(i) == Workload.FREE ? 1 : 0;
        }
        assertEquals(frees + 4, allocs, "every allocation is freed but the four weights");
        assertTrue(w.sites().stream().anyMatch(s -> s.name().contains("TimelineFixtures.activations")));
    }

    @Test
    void malformedInputNamesFileAndPosition() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "seq,time_us,action,addr,size,stream,site\n0,1,alloc,4096,512,0,\n1,2,alloc,x9,512,0,\n");
        WorkloadFormatException e = assertThrows(WorkloadFormatException.class, () -> WorkloadReader.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ":line 3: bad number"), e.getMessage());

        Path action = dir.resolve("action.csv");
        Files.writeString(action, "seq,time_us,action,addr,size,stream,site\n0,1,malloc,4096,512,0,\n");
        e = assertThrows(WorkloadFormatException.class, () -> WorkloadReader.read(action));
        assertTrue(e.getMessage().contains(":line 2: unknown action 'malloc'"), e.getMessage());

        Path unknown = dir.resolve("x.csv");
        Files.writeString(unknown, "a,b,c\n1,2,3\n");
        e = assertThrows(WorkloadFormatException.class, () -> WorkloadReader.read(unknown));
        assertTrue(e.getMessage().contains(":line 1: unknown format"), e.getMessage());

        Path pickle = dir.resolve("trunc.pickle");
        byte[] good = io.heapscope.agent.interchange.Pickle.write(java.util.Map.of("device_traces",
                java.util.List.of(java.util.List.of(java.util.Map.of("action", "alloc", "addr", 1L, "size", 2L)))));
        Files.write(pickle, java.util.Arrays.copyOf(good, good.length - 5));
        e = assertThrows(WorkloadFormatException.class, () -> WorkloadReader.read(pickle));
        assertTrue(e.getMessage().matches(".*trunc\\.pickle:byte \\d+: .*"), e.getMessage());

        Path noSize = dir.resolve("nosize.pickle");
        Files.write(noSize, io.heapscope.agent.interchange.Pickle.write(java.util.Map.of("device_traces",
                java.util.List.of(java.util.List.of(java.util.Map.of("action", "alloc", "addr", 1L))))));
        e = assertThrows(WorkloadFormatException.class, () -> WorkloadReader.read(noSize));
        assertTrue(e.getMessage().endsWith("nosize.pickle:device_traces[0][0]: 'size' is missing"), e.getMessage());
    }
}

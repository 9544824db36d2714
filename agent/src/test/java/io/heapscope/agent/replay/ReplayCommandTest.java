package io.heapscope.agent.replay;

import io.heapscope.agent.timeline.JsonOut;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayCommandTest {
    @TempDir
    Path dir;

    /** 40 allocations of 64 MiB kept live, then all freed: 2.5 GiB live at the peak. */
    private Path growing() throws Exception {
        StringBuilder sb = new StringBuilder("seq,time_us,action,addr,size,stream,site\n");
        int seq = 0;
        for (int i = 0; i < 40; i++) {
            sb.append(seq++).append(',').append(seq).append(",alloc,").append(4096L * (i + 1) << 20).append(",")
                    .append(64 << 20).append(",0,layer").append(i % 4).append('\n');
        }
        for (int i = 0; i < 40; i++) {
            sb.append(seq++).append(',').append(seq).append(",free_completed,").append(4096L * (i + 1) << 20)
                    .append(",").append(64 << 20).append(",0,\n");
        }
        Path f = dir.resolve("growing.trace.csv");
        Files.writeString(f, sb);
        return f;
    }

    @Test
    void settingsSideBySideFindWhereEachRunsOutOfMemory() throws Exception {
        Path html = dir.resolve("r.html");
        Path json = dir.resolve("r.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ReplayCommand.run(new String[] {growing().toString(), "--capacity", "1g,2g,8g", "--high", "1.0",
                        "--low", "0.5", "--html", html.toString(), "--json", json.toString(), "--no-progress"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        List<String> rows = text.lines().filter(l -> l.startsWith("host capacity=")).toList();
        assertEquals(3, rows.size(), text);
        // high watermark 1.0 x capacity: 1 GiB holds at most 16 live 64 MiB buffers, 2 GiB at most 32
        int oom1 = oomEvent(rows.get(0));
        int oom2 = oomEvent(rows.get(1));
        assertTrue(oom1 > 0 && oom1 <= 16, rows.get(0));
        assertTrue(oom2 > 16 && oom2 <= 32, rows.get(1));
        assertTrue(rows.get(2).contains(" no "), "8 GiB fits 2.5 GiB: " + rows.get(2));
        String page = Files.readString(html);
        assertTrue(page.contains("host capacity=1g high=1.0 low=0.5"));
        assertTrue(page.contains("\"first_oom_event\":" + oom1));
        String js = Files.readString(json);
        assertTrue(js.contains("\"peak_in_use_bytes\":" + (40L * (64 << 20))), js);
    }

    private static int oomEvent(String row) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("at event (\\d+)").matcher(row);
        assertTrue(m.find(), row);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void replayMatchesTheAllocatorsOwnAccounting() throws Exception {
        Workload w = WorkloadReader.read(growing());
        Replayer.Outcome o = Replayer.replay(w, new ReplaySetting("host", 8L << 30, Boolean.TRUE, Double.NaN,
                Double.NaN), null, null);
        assertEquals(80, o.events());
        assertEquals(-1, o.firstOomEvent());
        assertEquals(0, o.unmatchedFrees());
        assertEquals(40L * (64 << 20), o.peakInUse());
        assertTrue(o.peakReserved() >= o.peakInUse());
        assertTrue(o.heapsCreated() >= 1);
    }

    /** The same figures as the bench harness's TraceReplay (docs/benchmarks.md, "Trace replay on the host backend"). */
    @Test
    void sharedTraceReplayAgreesWithTheBenchHarness() throws Exception {
        Path trace = Path.of(System.getProperty("heapscope.traces", "../../shared/traces"), "gpt2_train.trace.csv.gz");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(trace), "no shared trace at " + trace);
        Workload w = WorkloadReader.read(trace);
        Replayer.Outcome o = Replayer.replay(w, new ReplaySetting("host", 16L << 30, Boolean.TRUE, Double.NaN,
                Double.NaN), null, null);
        assertEquals(13_851, o.events());
        assertEquals(3_271_557_120L, o.peakReserved());
        assertEquals(2_952_110_080L, o.peakInUse());
        assertEquals(9, o.heapsCreated());
        assertEquals(0, o.unmatchedFrees());
        assertEquals(-1, o.firstOomEvent());
        Replayer.Outcome discrete = Replayer.replay(w, new ReplaySetting("host", 16L << 30, Boolean.FALSE,
                Double.NaN, Double.NaN), null, null);
        assertEquals(3_229_614_080L, discrete.peakReserved(), "discrete sizing: the bench's figure");
        assertEquals(2_952_110_080L, discrete.peakInUse());
        assertEquals(31, discrete.heapsCreated());
    }

    /** Record once (JFR, 256 MiB device), replay with other capacities: the smaller device runs out. */
    @Test
    void jfrRecordingReplayedOnSmallerAndLargerDevices() throws Exception {
        Path jfr = dir.resolve("rec.jfr");
        io.heapscope.agent.timeline.TimelineFixtures.record(jfr, 10, 1 << 20);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ReplayCommand.run(new String[] {jfr.toString(), "--capacity", "64m,4g",
                "--no-progress"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("heapscope-jfr"), text);
        List<String> rows = text.lines().filter(l -> l.startsWith("host capacity=")).toList();
        assertTrue(rows.get(0).contains("at event"), "64 MiB cannot hold 32 MiB of weights + 6 activations "
                + "+ the scratch buffers: " + rows.get(0));
        assertTrue(rows.get(1).contains(" no "), "4 GiB holds what fit in 256 MiB: " + rows.get(1));
    }

    @Test
    void reportHtmlOnATraceSaysToUseReplay() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = io.heapscope.agent.timeline.ReportCommands.run(new String[] {"report", "--html",
                dir.resolve("x.html").toString(), growing().toString()}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("is not a JFR recording; for a trace, log or "
                + "snapshot use: replay"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void malformedInputIsAClearErrorAndExit2() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "Thread,Time,Action,Pointer,Size,Stream\n1,1,allocate,0x10,ten,0\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ReplayCommand.run(new String[] {bad.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, rc);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(bad + ":line 2: bad number"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void progressBarOnlyWhenAsked() throws Exception {
        StringBuilder sb = new StringBuilder("seq,time_us,action,addr,size,stream,site\n");
        for (int i = 0; i < 200_000; i++) {
            sb.append(i).append(",0,").append(i % 2 == 0 ? "alloc" : "free_completed").append(",4096,1024,0,\n");
        }
        Path f = dir.resolve("many.csv");
        Files.writeString(f, sb);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ReplayCommand.run(new String[] {f.toString(), "--progress"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("%"), "a progress bar");
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        ReplayCommand.run(new String[] {f.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(quiet, true, StandardCharsets.UTF_8));
        assertEquals("", quiet.toString(StandardCharsets.UTF_8), "not a terminal: quiet");
        assertTrue(JsonOut.write(List.of("a<b")).contains("\\u003c"), "script-safe JSON");
    }
}

package io.heapscope.agent.timeline;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** report --html and --diff on real recordings of {@link TimelineFixtures}. */
class RecordingTimelineTest {
    @TempDir
    static Path dir;
    static Path small;
    static Path big;

    @BeforeAll
    static void record() throws Exception {
        small = dir.resolve("small.jfr");
        big = dir.resolve("big.jfr");
        TimelineFixtures.record(small, 20, 1 << 20);
        TimelineFixtures.record(big, 20, 2 << 20);
    }

    @Test
    @SuppressWarnings("unchecked")
    void timelineOfARecordingHasPoolsMarkersSitesAndLeaks() throws Exception {
        TimelineRecorder r = RecordingTimeline.read(small);
        Map<String, Object> run = r.finish(Map.of());
        Map<String, long[]> pools = (Map<String, long[]>) run.get("pools");
        assertTrue(pools.containsKey("PRIVATE_LARGE"), pools.keySet().toString());
        assertTrue((long) run.get("failureCount") >= 1, "the 8 GiB allocation failed");
        assertTrue((long) run.get("gcCount") >= 1 || !((List<?>) run.get("pressure")).isEmpty(),
                "scratch buffers past the low watermark: GC or pressure");
        // weights: 4 x 8 MiB live to the end; activations: 6 per step, freed
        Map<String, long[]> sites = r.siteTotals();
        long[] weights = find(sites, "TimelineFixtures.weights");
        long[] acts = find(sites, "TimelineFixtures.activations");
        assertEquals(4L * (8 << 20), weights[0], "weights live at the end");
        assertEquals(0, acts[0], "activations all freed");
        assertTrue(acts[1] >= 6L * (1 << 20), "activation peak: 6 buffers of >= 1 MiB");
        List<Map<String, Object>> leaks = (List<Map<String, Object>>) run.get("leaks");
        assertFalse(leaks.isEmpty());
        assertTrue(((String) leaks.getFirst().get("name")).contains("TimelineFixtures.weights"),
                "32 MiB of weights lead the leak candidates (direct buffers: 8 MiB): " + leaks);
        List<Map<String, Object>> snaps = (List<Map<String, Object>>) run.get("snapshots");
        assertTrue(snaps.stream().anyMatch(s -> !((List<?>) s.get("heaps")).isEmpty()), "some snapshot has heaps");
        assertTrue(r.peakInUse() >= 4L * (8 << 20));
        Map<String, long[]> totals = r.poolTotals();
        assertEquals(8L << 20, totals.get("framework:jdk.direct")[0], "3 direct buffers of 4 MiB, 1 released");
        assertEquals(12L << 20, totals.get("framework:jdk.direct")[1]);
        assertEquals(1L << 20, totals.get("framework:netty")[0]);
    }

    private static long[] find(Map<String, long[]> sites, String part) {
        return sites.entrySet().stream().filter(e -> e.getKey().contains(part)).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no site " + part + " in " + sites.keySet()));
    }

    @Test
    void htmlPageIsSelfContained() throws Exception {
        Path html = dir.resolve("t.html");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ReportCommands.run(new String[] {"report", "--html", html.toString(), small.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        String page = Files.readString(html);
        assertTrue(page.contains("id=\"heapscope-data\""));
        assertTrue(page.contains("TimelineFixtures.weights"));
        // no reference to anything outside the file
        Matcher m = Pattern.compile("(?i)(src|href)\\s*=|url\\(|@import|https?://|fetch\\(|XMLHttpRequest|"
                + "new WebSocket|import\\(").matcher(page);
        assertFalse(m.find(), () -> "external reference: " + page.substring(Math.max(0, m.start() - 60),
                Math.min(page.length(), m.end() + 60)));
        assertTrue(page.contains("default-src 'none'"), "a CSP that forbids loading anything");
    }

    @Test
    void diffShowsPerSiteAndPoolDeltas() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ReportCommands.run(new String[] {"report", "--diff", small.toString(), big.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        String text = out.toString(StandardCharsets.UTF_8);
        String acts = text.lines().filter(l -> l.contains("TimelineFixtures.activations")).findFirst().orElseThrow();
        String[] cols = acts.trim().split("\\s+");
        long peakA = Long.parseLong(cols[cols.length - 3]);
        long peakB = Long.parseLong(cols[cols.length - 2]);
        long delta = Long.parseLong(cols[cols.length - 1]);
        assertEquals(peakB - peakA, delta);
        assertTrue(delta >= 6L * (1 << 20), "activations doubled from 1 to 2 MiB: " + acts);
        String weights = text.lines().filter(l -> l.contains("TimelineFixtures.weights")).findFirst().orElseThrow();
        assertTrue(weights.trim().endsWith(" +0"), "weights unchanged: " + weights);
        assertTrue(text.contains("pool PRIVATE_LARGE"), text);
    }
}

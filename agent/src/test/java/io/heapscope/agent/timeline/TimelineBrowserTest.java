package io.heapscope.agent.timeline;

import io.heapscope.agent.replay.ReplayCommand;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timeline page in a real browser (headless chromium): it draws (screenshot kept in target/browser-test), the
 * DOM after its script ran has the expected series, markers and site names, and it fetches nothing.
 */
class TimelineBrowserTest {
    static Path work;
    static Path recordingPage;

    @BeforeAll
    static void pages() throws Exception {
        work = Path.of("target", "browser-test").toAbsolutePath();
        Files.createDirectories(work);
        Path jfr = work.resolve("fixture.jfr");
        TimelineFixtures.record(jfr, 30, 1 << 20);
        recordingPage = work.resolve("recording-timeline.html");
        assertEquals(0, ReportCommands.run(new String[] {"report", "--html", recordingPage.toString(), jfr.toString()},
                System.out, System.err));
    }

    @Test
    void recordingPageDrawsSeriesMarkersAndSites() throws Exception {
        String dom = Chromium.headless(recordingPage, work, "--virtual-time-budget=10000", "--dump-dom");
        Files.writeString(work.resolve("recording-timeline.dom.html"), dom);
        assertTrue(dom.contains("data-ready=\"1\""), "the viewer script ran to the end");
        // (the high watermark limit reaches a recording only through periodic PoolStatistics events)
        for (String series : List.of("PRIVATE_LARGE", "reserved", "low watermark",
                "memory pressure", "gc", "allocation failure", "in use", "cached")) {
            assertTrue(dom.contains("data-series=\"" + series + "\""), "series " + series);
        }
        assertTrue(dom.contains("data-series=\"framework:jdk.direct\""), "per-framework view (agent events)");
        assertTrue(dom.contains("data-series=\"framework:netty\""));
        assertTrue(dom.contains("class=\"marker failure\""), "allocation failure marker");
        assertTrue(dom.contains("class=\"marker pressure\""), "memory pressure interval");
        assertTrue(dom.contains("class=\"site\">io.heapscope.agent.timeline.TimelineFixtures.weights:"), "site names");
        assertTrue(dom.contains("class=\"site\">io.heapscope.agent.timeline.TimelineFixtures.activations:"));
        assertTrue(Pattern.compile("<tr class=\"leak\"><td><details><summary class=\"site\">"
                + "io\\.heapscope\\.agent\\.timeline\\.TimelineFixtures\\.weights").matcher(dom).find(), "leak");
        assertTrue(dom.contains("<tr class=\"heap\">"), "allocator state: heaps at the chosen moment");
        assertTrue(dom.contains("id=\"downsampled\""), "says what was downsampled");

        Path png = work.resolve("recording-timeline.png");
        Files.deleteIfExists(png);
        Chromium.headless(recordingPage, work, "--virtual-time-budget=10000", "--window-size=1400,2400",
                "--hide-scrollbars", "--screenshot=" + png);
        byte[] img = Files.readAllBytes(png);
        assertTrue(img.length > 20_000 && img[1] == 'P' && img[2] == 'N' && img[3] == 'G', "a drawn PNG: " + img.length);
    }

    @Test
    void replayPageShowsSettingsSideBySide() throws Exception {
        StringBuilder sb = new StringBuilder("seq,time_us,action,addr,size,stream,site\n");
        for (int i = 0; i < 40; i++) {
            sb.append(i).append(",0,alloc,").append((i + 1L) << 32).append(',').append(64 << 20).append(",0,layer")
                    .append(i % 3).append('\n');
        }
        Path trace = work.resolve("growing.trace.csv");
        Files.writeString(trace, sb);
        Path page = work.resolve("replay-timeline.html");
        assertEquals(0, ReplayCommand.run(new String[] {trace.toString(), "--capacity", "1g,4g", "--high", "1.0",
                "--low", "0.5", "--html", page.toString()}, new PrintStream(new ByteArrayOutputStream()), System.err));
        String dom = Chromium.headless(page, work, "--virtual-time-budget=10000", "--dump-dom");
        assertTrue(dom.contains("data-ready=\"1\""));
        assertTrue(dom.contains("data-series=\"run:host capacity=1g high=1.0 low=0.5\""));
        assertTrue(Pattern.compile("data-series=\"high watermark\"[^>]*>high watermark 1\\.00 GiB<").matcher(dom).find(), "1.0 x 1 GiB");
        assertTrue(Pattern.compile("data-series=\"low watermark\"[^>]*>low watermark 512\\.0 MiB<").matcher(dom).find(), "0.5 x 1 GiB");
        assertTrue(dom.contains("data-series=\"run:host capacity=4g high=1.0 low=0.5\""));
        assertEquals(2, count(dom, "<tr class=\"outcome\">"));
        assertTrue(dom.contains("out of memory at event 1"), "1 GiB at high=1.0 runs out within 16 x 64 MiB");
        assertTrue(dom.contains(">fits<"), "4 GiB holds 40 x 64 MiB = 2.5 GiB");
        assertTrue(dom.contains("class=\"site\">layer0<"), "trace sites");
        assertTrue(dom.contains("class=\"snapshot-label\">end, event 39:"), "state at the end by default");

        // choosing a moment: #snapshot=0 opens the first evenly spaced snapshot (event 40/41 = 0.97 -> event 0)
        Path atStart = work.resolve("replay-timeline-first.html");
        Files.copy(page, atStart, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String first = Chromium.headlessUrl(atStart.toUri() + "#snapshot=0", work, "--virtual-time-budget=10000",
                "--dump-dom");
        Matcher label = Pattern.compile("class=\"snapshot-label\">event (\\d+): reserved ([^,]+), in use ([^,]+), "
                + "(\\d+) heaps").matcher(first);
        assertTrue(label.find(), "first snapshot label");
        assertTrue(Integer.parseInt(label.group(1)) <= 1, "the first snapshot is at the start: " + label.group());
        assertTrue(label.group(3).equals("64.0 MiB") || label.group(3).equals("0 B"), label.group());
    }

    @Test
    void pageFetchesNothingFromTheNetwork() throws Exception {
        Path log = work.resolve("netlog.json");
        Files.deleteIfExists(log);
        Chromium.headless(recordingPage, work, "--virtual-time-budget=10000", "--dump-dom",
                "--log-net-log=" + log, "--net-log-capture-mode=Everything");
        List<String> urls = requestedUrls(log);
        assertTrue(urls.stream().allMatch(u -> u.startsWith("file:")), "requests besides the file itself: " + urls);

        // the check can fail: a page that loads an image over http shows up in the log
        Path probe = work.resolve("probe.html");
        Files.writeString(probe, "<!DOCTYPE html><img src=\"http://127.0.0.1:9/heapscope-probe.png\">");
        Path probeLog = work.resolve("netlog-probe.json");
        Files.deleteIfExists(probeLog);
        Chromium.headless(probe, work, "--virtual-time-budget=5000", "--dump-dom", "--log-net-log=" + probeLog,
                "--net-log-capture-mode=Everything");
        assertTrue(requestedUrls(probeLog).stream().anyMatch(u -> u.contains("heapscope-probe.png")),
                "the net log sees an http request");
    }

    /**
     * URLs of the requests the page made: URL_REQUEST_START_JOB entries (one JSON event per line) whose initiator
     * is an origin (the file page's is "null"). Chromium's own background requests (time sync, accounts) have
     * initiator "not an origin" and are not the page's.
     */
    private static List<String> requestedUrls(Path log) throws Exception {
        assertTrue(Files.exists(log), "chromium wrote a net log");
        List<String> urls = new ArrayList<>();
        Pattern initiator = Pattern.compile("\"initiator\":\"([^\"]*)\"");
        Pattern url = Pattern.compile("\"url\":\"([^\"]*)\"");
        for (String line : Files.readAllLines(log)) {
            Matcher i = initiator.matcher(line);
            Matcher u = url.matcher(line);
            if (i.find() && u.find() && !i.group(1).equals("not an origin")) {
                urls.add(u.group(1));
            }
        }
        return urls;
    }

    /**
     * Four million events: a synthetic workload (alloc/free pairs of mixed sizes from 20 sites, a slowly growing
     * set of long-lived buffers) replayed with the timeline recorder, the page written and loaded in chromium. The
     * page's own clock (performance.now() when the script finished, in data-render-ms) must stay under 15 s on a
     * shared CI core; docs/benchmarks.md records the measured figure.
     */
    @Test
    void fourMillionEventPageStaysSmallAndLoads() throws Exception {
        int n = 4_000_000;
        io.heapscope.agent.replay.Workload w = new io.heapscope.agent.replay.Workload("synthetic-4m", "generated");
        int[] sites = new int[20];
        for (int s = 0; s < sites.length; s++) {
            sites[s] = w.site("model.layer" + s + ".forward:" + (10 + s), "model.layer" + s + ".forward:" + (10 + s)
                    + "\ntrain.step:42\n");
        }
        java.util.Random rnd = new java.util.Random(4);
        long[] liveAddr = new long[4096];
        long[] liveSize = new long[4096];
        int live = 0;
        long next = 1L << 32;
        for (int i = 0; w.size() < n; i++) {
            boolean alloc = live == 0 || live < liveAddr.length && rnd.nextInt(100) < 51;
            if (alloc) {
                long size = (1L + rnd.nextInt(64)) << (rnd.nextInt(3) == 0 ? 20 : 12);
                liveAddr[live] = next;
                liveSize[live] = size;
                next += size + 4096;
                w.add(io.heapscope.agent.replay.Workload.ALLOC, i, liveAddr[live], size, 0, sites[rnd.nextInt(20)]);
                live++;
            } else {
                int k = rnd.nextInt(live);
                w.add(io.heapscope.agent.replay.Workload.FREE, i, liveAddr[k], liveSize[k], 0, -1);
                live--;
                liveAddr[k] = liveAddr[live];
                liveSize[k] = liveSize[live];
            }
        }
        io.heapscope.agent.replay.ReplaySetting s = new io.heapscope.agent.replay.ReplaySetting("host", 64L << 30,
                null, Double.NaN, Double.NaN);
        TimelineRecorder rec = new TimelineRecorder(s.label(), 0, n, "event", 2000, 40);
        long t0 = System.nanoTime();
        io.heapscope.agent.replay.Replayer.Outcome o = io.heapscope.agent.replay.Replayer.replay(w, s, rec, null);
        double replaySeconds = (System.nanoTime() - t0) / 1e9;
        Path page = work.resolve("timeline-4m.html");
        Page.write(page, Page.data("4M events", "synthetic", List.of(rec.finish(o.toMap()))));
        long bytes = Files.size(page);
        assertEquals(n, o.events());
        assertTrue(bytes < 20L << 20, "page size " + bytes);
        long t1 = System.nanoTime();
        String dom = Chromium.headless(page, work, "--dump-dom"); // real clock: no virtual time
        double chromiumSeconds = (System.nanoTime() - t1) / 1e9;
        Matcher m = Pattern.compile("data-render-ms=\"(\\d+)\"").matcher(dom);
        assertTrue(m.find() && dom.contains("data-ready=\"1\""), "the page finished drawing");
        long renderMs = Long.parseLong(m.group(1));
        assertTrue(dom.contains("4,000,000 replayed events ("), "says what was downsampled");
        String line = String.format(java.util.Locale.ROOT, "4M events: replay with timeline %.1f s, page %.1f MiB, "
                + "chromium ready after %d ms (page clock), whole headless run %.1f s%n", replaySeconds,
                bytes / 1048576.0, renderMs, chromiumSeconds);
        Files.writeString(work.resolve("timeline-4m.txt"), line);
        System.out.print(line);
        assertTrue(renderMs < 15_000, line);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}

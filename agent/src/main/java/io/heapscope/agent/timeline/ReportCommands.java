package io.heapscope.agent.timeline;

import io.heapscope.agent.replay.WorkloadReader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code report --html OUT.html FILE.jfr} (the memory timeline page of a recording) and
 * {@code report --diff A.jfr B.jfr} (per-site and per-pool deltas of live and peak bytes).
 */
public final class ReportCommands {
    private ReportCommands() {
    }

    /** Whether {@code args} (starting with "report") is one of these commands. */
    public static boolean handles(String[] args) {
        return args.length > 1 && (args[1].equals("--html") || args[1].equals("--diff"));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args[1].equals("--html")) {
            if (args.length != 4) {
                err.println("heapscope: usage: report --html OUT.html FILE.jfr");
                return 2;
            }
            Path in = Path.of(args[3]);
            if (!Files.isRegularFile(in)) {
                err.println("heapscope: no JFR recording at " + in.toAbsolutePath());
                return 2;
            }
            if (!isJfr(in)) {
                err.println("heapscope: " + in + " is not a JFR recording; for a trace, log or snapshot use: replay "
                        + in + " --html " + args[2]);
                return 2;
            }
            TimelineRecorder r = RecordingTimeline.read(in);
            Page.write(Path.of(args[2]), RecordingTimeline.page(in, r));
            out.println("timeline: " + args[2]);
            return 0;
        }
        if (args.length != 4) {
            err.println("heapscope: usage: report --diff A.jfr B.jfr");
            return 2;
        }
        for (int i = 2; i < 4; i++) {
            if (!Files.isRegularFile(Path.of(args[i])) || !isJfr(Path.of(args[i]))) {
                err.println("heapscope: no JFR recording at " + Path.of(args[i]).toAbsolutePath());
                return 2;
            }
        }
        out.print(diff(RecordingTimeline.read(Path.of(args[2])), RecordingTimeline.read(Path.of(args[3]))));
        return 0;
    }

    private static boolean isJfr(Path p) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            return WorkloadReader.isJfrMagic(in.readNBytes(4));
        }
    }

    /** The diff as text: pools first, then sites, each with live (at the end) and peak bytes in A, in B, and B - A. */
    public static String diff(TimelineRecorder a, TimelineRecorder b) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-58s %14s %14s %14s %14s %14s %14s%n", "pool / site", "live A",
                "live B", "live B-A", "peak A", "peak B", "peak B-A"));
        section(sb, "pool", a.poolTotals(), b.poolTotals());
        section(sb, "site", a.siteTotals(), b.siteTotals());
        sb.append(String.format(Locale.ROOT, "%-58s %14s %14s %14s %14d %14d %+14d%n", "total (allocator in use)", "",
                "", "", a.peakInUse(), b.peakInUse(), b.peakInUse() - a.peakInUse()));
        return sb.toString();
    }

    private static void section(StringBuilder sb, String what, Map<String, long[]> a, Map<String, long[]> b) {
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            long[] x = a.getOrDefault(k, new long[2]);
            long[] y = b.getOrDefault(k, new long[2]);
            String name = what + " " + k;
            if (name.length() > 58) {
                name = "..." + name.substring(name.length() - 55);
            }
            sb.append(String.format(Locale.ROOT, "%-58s %14d %14d %+14d %14d %14d %+14d%n", name, x[0], y[0],
                    y[0] - x[0], x[1], y[1], y[1] - x[1]));
        }
    }
}

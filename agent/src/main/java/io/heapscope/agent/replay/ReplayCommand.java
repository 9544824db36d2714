package io.heapscope.agent.replay;

import io.heapscope.agent.timeline.JsonOut;
import io.heapscope.agent.timeline.Page;
import io.heapscope.agent.timeline.TimelineRecorder;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * {@code heapscope replay FILE [options]}: replays a recorded workload through fresh allocators, one per
 * combination of the settings given, and prints per setting whether and where it ran out of memory, its peaks,
 * heaps and GC passes; {@code --html} writes the timelines of all settings into one page.
 */
public final class ReplayCommand {
    private ReplayCommand() {
    }

    static final String USAGE = """
            usage: heapscope replay FILE [options]
              FILE: a PyTorch trace CSV (seq,time_us,action,addr,size,stream,site), an RMM log CSV
                    (Thread,Time,Action,Pointer,Size,Stream), a PyTorch memory snapshot pickle (_dump_snapshot) or a
                    Heapscope JFR recording; gzip or plain; the format is detected from the content
              --capacity 8g,12g      device capacity (recommended max working set); several values: one run each
              --sizing unified,discrete
              --high 1.7,1.2         high watermark ratio(s)
              --low 1.4,1.0          low watermark ratio(s)
              --backend host         device backend(s) (host simulates a device of that capacity)
              --html OUT.html        the timelines of all settings in one self-contained page
              --json OUT.json        the outcomes as JSON
              --repeat N             time the replay loop N more times per setting (no timeline; after one warm-up)
              --progress / --no-progress   progress bar on stderr (default: when stderr is a terminal)
            Every combination of the values is replayed.""";

    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        try {
            return runChecked(args, out, err);
        } catch (IllegalArgumentException e) { // a bad option value (NumberFormatException included)
            err.println("heapscope replay: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
    }

    private static int runChecked(String[] args, PrintStream out, PrintStream err) throws IOException {
        Path file = null;
        Path html = null;
        Path json = null;
        int repeat = 0;
        Boolean progress = null;
        List<String> capacities = new ArrayList<>();
        List<String> sizing = new ArrayList<>();
        List<String> highs = new ArrayList<>();
        List<String> lows = new ArrayList<>();
        List<String> backends = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--capacity" -> capacities.addAll(list(args, ++i, a));
                case "--sizing", "--unified" -> sizing.addAll(list(args, ++i, a));
                case "--high" -> highs.addAll(list(args, ++i, a));
                case "--low" -> lows.addAll(list(args, ++i, a));
                case "--backend" -> backends.addAll(list(args, ++i, a));
                case "--html" -> html = Path.of(value(args, ++i, a));
                case "--json" -> json = Path.of(value(args, ++i, a));
                case "--repeat" -> {
                    try {
                        repeat = Integer.parseInt(value(args, ++i, a));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--repeat needs a number of runs, got '" + args[i] + "'", e);
                    }
                }
                case "--progress" -> progress = true;
                case "--no-progress" -> progress = false;
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    if (a.startsWith("--") || file != null) {
                        err.println("heapscope replay: unknown argument '" + a + "'\n" + USAGE);
                        return 2;
                    }
                    file = Path.of(a);
                }
            }
        }
        if (file == null) {
            err.println("heapscope replay: no input file\n" + USAGE);
            return 2;
        }
        List<ReplaySetting> settings;
        try {
            settings = ReplaySetting.combinations(backends, capacities, sizing, highs, lows);
        } catch (IllegalArgumentException e) {
            err.println("heapscope replay: " + e.getMessage());
            return 2;
        }
        long t0 = System.nanoTime();
        Workload w;
        try {
            w = WorkloadReader.read(file);
        } catch (WorkloadFormatException e) {
            err.println("heapscope replay: " + e.getMessage());
            return 2;
        }
        double parseSeconds = (System.nanoTime() - t0) / 1e9;
        int replayable = w.replayable();
        out.printf(Locale.ROOT, "%s: %s, %,d events (%,d alloc/free replayed), read in %.3f s%n", file, w.format(),
                w.size(), replayable, parseSeconds);
        boolean showProgress = progress != null ? progress : isTerminal();
        List<Replayer.Outcome> outcomes = new ArrayList<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        for (ReplaySetting s : settings) {
            TimelineRecorder rec = html == null ? null
                    : new TimelineRecorder(s.label(), 0, Math.max(1, w.size()), "event", 2000, 40);
            LongConsumer bar = showProgress ? progressBar(err, s.label(), w.size()) : null;
            Replayer.Outcome o;
            try {
                o = Replayer.replay(w, s, rec, bar);
            } catch (IllegalArgumentException e) {
                // e.g. a low watermark above the high one: say so and go on with the other settings
                err.println("heapscope replay: setting '" + s.label() + "' skipped: " + e.getMessage());
                continue;
            }
            if (bar != null) {
                err.print("\r\033[K");
                err.flush();
            }
            outcomes.add(o);
            if (rec != null) {
                runs.add(rec.finish(o.toMap()));
            }
            if (repeat > 0) {
                timeLoop(w, s, repeat, out);
            }
        }
        out.println(table(outcomes));
        if (html != null) {
            Page.write(html, Page.data("Heapscope what-if replay: " + file.getFileName(), file.getFileName() + " ("
                    + w.format() + ", " + w.size() + " events)", runs));
            out.println("timeline: " + html);
        }
        if (json != null) {
            List<Object> list = new ArrayList<>();
            for (Replayer.Outcome o : outcomes) {
                list.add(o.toMap());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file.toString());
            m.put("format", w.format());
            m.put("events", w.size());
            m.put("parse_seconds", parseSeconds);
            m.put("settings", list);
            Files.writeString(json, JsonOut.write(m) + "\n");
        }
        return 0;
    }

    /** Times the loop alone ({@code n} runs after a warm-up, no timeline): mean and standard deviation. */
    static double[] timeLoop(Workload w, ReplaySetting s, int n, PrintStream out) {
        Replayer.replay(w, s, null, null); // warm-up
        double[] rates = new double[n];
        double[] cpuRates = new double[n];
        for (int i = 0; i < n; i++) {
            Replayer.Outcome o = Replayer.replay(w, s, null, null);
            rates[i] = o.eventsPerSecond();
            cpuRates[i] = o.eventsPerCpuSecond();
        }
        double[] cpuSorted = cpuRates.clone();
        Arrays.sort(cpuSorted);
        double mean = Arrays.stream(rates).average().orElse(0);
        double sd = Math.sqrt(Arrays.stream(rates).map(r -> (r - mean) * (r - mean)).sum() / Math.max(1, n - 1));
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double median = sorted[n / 2];
        out.printf(Locale.ROOT, "loop %s: mean %,.0f ± %,.0f events/s, median %,.0f, best %,.0f over %d runs "
                + "(median %.0f ns/event); per CPU-second of the replaying thread: median %,.0f, best %,.0f%n",
                s.label(), mean, sd, median, sorted[n - 1], n, 1e9 / median, cpuSorted[n / 2], cpuSorted[n - 1]);
        return new double[] {mean, sd, median};
    }

    static String table(List<Replayer.Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-44s %-26s %14s %14s %7s %6s %12s%n", "setting", "out of memory",
                "peak reserved", "peak in use", "heaps", "GCs", "loop ev/s"));
        for (Replayer.Outcome o : outcomes) {
            String oom = o.firstOomEvent() < 0 ? "no" : "at event " + o.firstOomEvent() + " (" + o.ooms() + "x)";
            sb.append(String.format(Locale.ROOT, "%-44s %-26s %14s %14s %7d %6d %,12.0f%n", o.setting().label(), oom,
                    human(o.peakReserved()), human(o.peakInUse()), o.heapsCreated(), o.gcPasses(),
                    o.eventsPerSecond()));
        }
        return sb.toString().stripTrailing();
    }

    static String human(long b) {
        return String.format(Locale.ROOT, "%.1f MiB", b / 1048576.0);
    }

    private static boolean isTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    private static LongConsumer progressBar(PrintStream err, String label, long total) {
        return done -> {
            int width = 30;
            int filled = (int) (width * done / Math.max(1, total));
            err.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] "
                    + (100 * done / Math.max(1, total)) + "%");
            err.flush();
        };
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static List<String> list(String[] args, int i, String option) {
        return Arrays.stream(value(args, i, option).split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }
}

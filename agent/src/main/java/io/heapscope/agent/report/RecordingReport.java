package io.heapscope.agent.report;

import io.heapscope.agent.events.JfrAgentSink;
import io.heapscope.agent.hooks.MappedFileHook;
import io.heapscope.agent.timeline.JsonOut;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a memory engineer reads from a recording: per framework the off-heap memory allocated and freed (counts,
 * bytes, rates), live at the end and at its peak; the leak candidates (allocation sites, by their first application
 * frame, of memory still live at the end that was allocated before the recording's tail); and the count of every
 * Heapscope event type. Frees are matched to allocations by address, or, where a framework reports none (Netty's
 * chunks), by size.
 */
public final class RecordingReport {
    /** The share of the recording at its end whose allocations are not leak candidates (they may be freed soon). */
    public static final double TAIL = 0.10;
    static final String ALLOCATION = JfrAgentSink.ALLOCATION;
    static final String FREE = JfrAgentSink.FREE;
    static final String MAPPING = JfrAgentSink.MAPPING;
    static final String UNMAPPING = JfrAgentSink.UNMAPPING;
    /**
     * Frames that are not the application's: the JDK, the agent's own path, every hook's framework
     * ({@code FrameworkHook.libraryPrefixes}) and Lucene (whose {@code MMapDirectory} maps files for the application).
     */
    private static final List<String> NOT_APPLICATION = notApplication();

    private static List<String> notApplication() {
        List<String> prefixes = new ArrayList<>(List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
                "org.apache.lucene.", "io.heapscope.agent.bootstrap.", "io.heapscope.agent.events.",
                "io.heapscope.agent.FrameworkEvents"));
        for (io.heapscope.agent.hooks.FrameworkHook h : io.heapscope.agent.hooks.FrameworkHook.available()) {
            prefixes.addAll(h.libraryPrefixes());
        }
        return List.copyOf(prefixes);
    }

    /** Off-heap totals of one framework. */
    public record Framework(String name, long allocations, long allocatedBytes, long frees, long freedBytes,
                            long liveCount, long liveBytes, long peakBytes, double allocatedBytesPerSecond,
                            double freedBytesPerSecond) {
    }

    /** Memory still live at the end, allocated at one site before the tail. */
    public record Site(String framework, String site, long liveCount, long liveBytes) {
    }

    /** Events of one type from one framework (allocator events too). */
    public record Row(String type, String framework, long events, long bytes) {
    }

    private final Path file;
    private Duration duration = Duration.ZERO;
    private final Map<String, Framework> frameworks = new TreeMap<>();
    private final List<Site> leaks = new ArrayList<>();
    private final Map<String, Row> rows = new TreeMap<>();

    private RecordingReport(Path file) {
        this.file = file;
    }

    private record Alloc(String framework, long size, Instant time, String site) {
    }

    /** Reads the recording; an unreadable or truncated file is an IOException with one clear message. */
    public static RecordingReport read(Path file) throws IOException {
        RecordingReport report = new RecordingReport(file);
        List<RecordedEvent> memory = new ArrayList<>();
        try (RecordingFile f = new RecordingFile(file)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                if (!type.startsWith("heapscope.") || type.equals("heapscope.PoolStatistics")) {
                    continue;
                }
                if (type.equals(ALLOCATION) || type.equals(FREE) || type.equals(MAPPING) || type.equals(UNMAPPING)) {
                    memory.add(e);
                }
                String framework = e.hasField("framework") ? e.getString("framework")
                        : type.equals(MAPPING) || type.equals(UNMAPPING) ? MappedFileHook.FRAMEWORK : "";
                long bytes = e.hasField("size") ? e.getLong("size") : e.hasField("alignedSize") ? e.getLong("alignedSize")
                        : e.hasField("heapSize") ? e.getLong("heapSize")
                        : e.hasField("reclaimedBytes") ? e.getLong("reclaimedBytes") : 0;
                report.rows.merge(type + "\u0000" + framework, new Row(type, framework, 1, bytes),
                        (a, b) -> new Row(a.type(), a.framework(), a.events() + 1, a.bytes() + b.bytes()));
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a readable JFR recording (" + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
        }
        report.analyze(memory);
        return report;
    }

    private void analyze(List<RecordedEvent> memory) {
        memory.sort(Comparator.comparing(RecordedEvent::getStartTime));
        if (memory.isEmpty()) {
            return;
        }
        Instant start = memory.getFirst().getStartTime();
        Instant end = memory.getLast().getStartTime();
        duration = Duration.between(start, end);
        Instant tail = end.minusNanos((long) (duration.toNanos() * TAIL));
        Map<String, long[]> totals = new TreeMap<>(); // allocs, allocBytes, frees, freeBytes, live, peak
        Map<String, Alloc> byAddress = new HashMap<>();
        Map<String, ArrayDeque<Alloc>> bySize = new HashMap<>();
        for (RecordedEvent e : memory) {
            String type = e.getEventType().getName();
            boolean allocation = type.equals(ALLOCATION) || type.equals(MAPPING);
            String framework = e.hasField("framework") ? e.getString("framework") : MappedFileHook.FRAMEWORK;
            long size = e.getLong("size");
            long address = e.getLong("address");
            long[] t = totals.computeIfAbsent(framework, k -> new long[6]);
            if (allocation) {
                t[0]++;
                t[1] += size;
                t[4] += size;
                t[5] = Math.max(t[5], t[4]);
                Alloc a = new Alloc(framework, size, e.getStartTime(), site(e.getStackTrace()));
                if (address != 0) {
                    byAddress.put(framework + "@" + address, a);
                } else {
                    bySize.computeIfAbsent(framework + "#" + size, k -> new ArrayDeque<>()).addLast(a);
                }
            } else {
                t[2]++;
                t[3] += size;
                t[4] -= size;
                if (address != 0) {
                    byAddress.remove(framework + "@" + address);
                } else {
                    ArrayDeque<Alloc> q = bySize.get(framework + "#" + size);
                    if (q != null) {
                        q.pollFirst();
                    }
                }
            }
        }
        double seconds = Math.max(duration.toNanos() / 1e9, 1e-9);
        Map<String, long[]> live = new TreeMap<>(); // framework: count, bytes
        Map<String, Site> sites = new HashMap<>();
        List<Alloc> remaining = new ArrayList<>(byAddress.values());
        bySize.values().forEach(remaining::addAll);
        for (Alloc a : remaining) {
            long[] l = live.computeIfAbsent(a.framework(), k -> new long[2]);
            l[0]++;
            l[1] += a.size();
            if (a.time().isBefore(tail) || duration.isZero()) {
                sites.merge(a.framework() + "\u0000" + a.site(), new Site(a.framework(), a.site(), 1, a.size()),
                        (x, y) -> new Site(x.framework(), x.site(), x.liveCount() + 1, x.liveBytes() + y.liveBytes()));
            }
        }
        for (Map.Entry<String, long[]> en : totals.entrySet()) {
            long[] t = en.getValue();
            long[] l = live.getOrDefault(en.getKey(), new long[2]);
            frameworks.put(en.getKey(), new Framework(en.getKey(), t[0], t[1], t[2], t[3], l[0], t[4], t[5],
                    t[1] / seconds, t[3] / seconds));
        }
        leaks.addAll(sites.values());
        leaks.sort(Comparator.comparingLong(Site::liveBytes).reversed().thenComparing(Site::site));
    }

    /** The first application frame of an allocation's stack: {@code class.method(File.java:line)}. */
    static String site(RecordedStackTrace stack) {
        if (stack == null) {
            return "(no stack trace)";
        }
        for (RecordedFrame f : stack.getFrames()) {
            String type = f.getMethod().getType().getName();
            if (NOT_APPLICATION.stream().noneMatch(type::startsWith)) {
                String simple = type.substring(type.lastIndexOf('.') + 1);
                int dollar = simple.indexOf('$');
                String source = (dollar >= 0 ? simple.substring(0, dollar) : simple) + ".java";
                return type + "." + f.getMethod().getName() + "(" + source + ":" + f.getLineNumber() + ")";
            }
        }
        return "(no application frame)";
    }

    public Map<String, Framework> frameworks() {
        return frameworks;
    }

    public List<Site> leakCandidates() {
        return leaks;
    }

    public Iterable<Row> rows() {
        return rows.values();
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Heapscope report: %s (%.3f s of off-heap activity)%n%n", file,
                duration.toNanos() / 1e9));
        if (frameworks.isEmpty()) {
            sb.append("(no off-heap events)\n");
        } else {
            sb.append(String.format(Locale.ROOT, "%-12s %10s %14s %10s %14s %10s %14s %14s %12s %12s%n", "framework",
                    "allocs", "alloc bytes", "frees", "freed bytes", "live", "live bytes", "peak bytes", "alloc B/s",
                    "free B/s"));
            for (Framework f : frameworks.values()) {
                sb.append(String.format(Locale.ROOT, "%-12s %10d %14d %10d %14d %10d %14d %14d %12.0f %12.0f%n",
                        f.name(), f.allocations(), f.allocatedBytes(), f.frees(), f.freedBytes(), f.liveCount(),
                        f.liveBytes(), f.peakBytes(), f.allocatedBytesPerSecond(), f.freedBytesPerSecond()));
            }
        }
        sb.append(String.format(Locale.ROOT, "%nLeak candidates: live at the end, allocated before the last %d%% of"
                + " the recording, by first application frame%n", Math.round(TAIL * 100)));
        if (leaks.isEmpty()) {
            sb.append("(none)\n");
        }
        for (Site s : leaks.subList(0, Math.min(20, leaks.size()))) {
            sb.append(String.format(Locale.ROOT, "%14d bytes %8d live  %-12s %s%n", s.liveBytes(), s.liveCount(),
                    s.framework(), s.site()));
        }
        sb.append(String.format(Locale.ROOT, "%nEvents%n%-34s %-12s %12s %18s%n", "event", "framework", "events", "bytes"));
        for (Row r : rows.values()) {
            sb.append(String.format(Locale.ROOT, "%-34s %-12s %12d %18d%n", r.type(), r.framework(), r.events(), r.bytes()));
        }
        return sb.toString();
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n  \"file\": ").append(quote(file.toString()))
                .append(",\n  \"durationSeconds\": ").append(String.format(Locale.ROOT, "%.6f", duration.toNanos() / 1e9))
                .append(",\n  \"frameworks\": [");
        String sep = "\n";
        for (Framework f : frameworks.values()) {
            sb.append(sep).append(String.format(Locale.ROOT, "    {\"framework\": %s, \"allocations\": %d, "
                            + "\"allocatedBytes\": %d, \"frees\": %d, \"freedBytes\": %d, \"liveCount\": %d, "
                            + "\"liveBytes\": %d, \"peakBytes\": %d, \"allocatedBytesPerSecond\": %.1f, "
                            + "\"freedBytesPerSecond\": %.1f}", quote(f.name()), f.allocations(), f.allocatedBytes(),
                    f.frees(), f.freedBytes(), f.liveCount(), f.liveBytes(), f.peakBytes(), f.allocatedBytesPerSecond(),
                    f.freedBytesPerSecond()));
            sep = ",\n";
        }
        sb.append(frameworks.isEmpty() ? "]" : "\n  ]").append(",\n  \"leakCandidates\": [");
        sep = "\n";
        for (Site s : leaks) {
            sb.append(sep).append(String.format(Locale.ROOT,
                    "    {\"framework\": %s, \"site\": %s, \"liveCount\": %d, \"liveBytes\": %d}",
                    quote(s.framework()), quote(s.site()), s.liveCount(), s.liveBytes()));
            sep = ",\n";
        }
        sb.append(leaks.isEmpty() ? "]" : "\n  ]").append(",\n  \"events\": [");
        sep = "\n";
        for (Row r : rows.values()) {
            sb.append(sep).append(String.format(Locale.ROOT,
                    "    {\"event\": %s, \"framework\": %s, \"events\": %d, \"bytes\": %d}",
                    quote(r.type()), quote(r.framework()), r.events(), r.bytes()));
            sep = ",\n";
        }
        return sb.append(rows.isEmpty() ? "]" : "\n  ]").append("\n}").toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        JsonOut.quote(sb, s);
        return sb.toString();
    }
}

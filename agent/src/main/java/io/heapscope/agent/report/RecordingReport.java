package io.heapscope.agent.report;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Counts and bytes of Heapscope events in a JFR recording, per event type and framework. */
public final class RecordingReport {
    /** One row: events of one type from one framework. */
    public record Row(String type, String framework, long events, long bytes) {
    }

    private final Map<String, Row> rows = new TreeMap<>();

    public static RecordingReport read(Path file) throws IOException {
        RecordingReport report = new RecordingReport();
        try (RecordingFile f = new RecordingFile(file)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                if (!type.startsWith("heapscope.") || type.equals("heapscope.PoolStatistics")) {
                    continue;
                }
                String framework = e.hasField("framework") ? e.getString("framework") : "";
                long bytes = e.hasField("alignedSize") ? e.getLong("alignedSize")
                        : e.hasField("heapSize") ? e.getLong("heapSize")
                        : e.hasField("reclaimedBytes") ? e.getLong("reclaimedBytes") : 0;
                report.rows.merge(type + "\u0000" + framework, new Row(type, framework, 1, bytes),
                        (a, b) -> new Row(a.type(), a.framework(), a.events() + 1, a.bytes() + b.bytes()));
            }
        }
        return report;
    }

    public Iterable<Row> rows() {
        return rows.values();
    }

    public String toTable() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-30s %-12s %12s %18s%n",
                "event", "framework", "events", "bytes"));
        for (Row r : rows.values()) {
            sb.append(String.format(Locale.ROOT, "%-30s %-12s %12d %18d%n", r.type(), r.framework(), r.events(),
                    r.bytes()));
        }
        if (rows.isEmpty()) {
            sb.append("(no Heapscope events)\n");
        }
        return sb.toString();
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        for (Row r : rows.values()) {
            sb.append(first ? "\n" : ",\n").append(String.format(Locale.ROOT,
                    "  {\"event\": \"%s\", \"framework\": \"%s\", \"events\": %d, \"bytes\": %d}",
                    r.type(), r.framework(), r.events(), r.bytes()));
            first = false;
        }
        return sb.append(first ? "]" : "\n]").toString();
    }
}

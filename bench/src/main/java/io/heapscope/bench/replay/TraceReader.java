package io.heapscope.bench.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads a PyTorch allocation trace ({@code seq,time_us,action,addr,size,stream,site}, gzip or plain, first line a
 * {@code #} comment) and keeps the actions a replay needs: {@code alloc} and {@code free_completed}, in file order.
 */
public final class TraceReader {
    private TraceReader() {
    }

    /** PyTorch's trace actions; only alloc and free_completed are replayed, the rest are known and skipped. */
    static final Set<String> KNOWN_ACTIONS = Set.of("alloc", "free_requested", "free_completed", "segment_alloc",
            "segment_free", "segment_map", "segment_unmap", "snapshot", "oom");

    /**
     * @throws IOException naming the file, the line and (where it could be read) the seq of anything malformed: too
     *                     few columns, an unknown action, a number that does not parse, a size that is not positive,
     *                     or a gzip file that ends early
     */
    public static List<TraceEvent> read(Path file) throws IOException {
        List<TraceEvent> events = new ArrayList<>();
        int lineNo = 0;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isEmpty() || line.startsWith("#") || line.startsWith("seq,")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length < 5) {
                    throw new IOException(file + ":" + lineNo + ": expected 7 columns, got " + f.length + ": " + line);
                }
                String at = file + ":" + lineNo + " (seq " + f[0] + ")";
                if (!KNOWN_ACTIONS.contains(f[2])) {
                    throw new IOException(at + ": unknown action '" + f[2] + "' (known: "
                            + String.join(", ", new java.util.TreeSet<>(KNOWN_ACTIONS)) + ")");
                }
                boolean alloc = f[2].equals("alloc");
                if (!alloc && !f[2].equals("free_completed")) {
                    continue;
                }
                TraceEvent e;
                try {
                    e = new TraceEvent(Long.parseLong(f[0]), alloc, Long.parseLong(f[3]), Long.parseLong(f[4]));
                } catch (NumberFormatException x) {
                    throw new IOException(at + ": bad number in: " + line, x);
                }
                if (alloc && e.size() <= 0) {
                    throw new IOException(at + ": alloc of " + e.size() + " bytes (a size must be positive)");
                }
                events.add(e);
            }
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new IOException(file + ": the compressed file ends early or is corrupt after line " + lineNo
                    + " (" + e.getMessage() + ")", e);
        }
        return events;
    }
}

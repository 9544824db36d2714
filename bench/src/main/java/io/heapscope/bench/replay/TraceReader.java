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
import java.util.zip.GZIPInputStream;

/**
 * Reads a PyTorch allocation trace ({@code seq,time_us,action,addr,size,stream,site}, gzip or plain, first line a
 * {@code #} comment) and keeps the actions a replay needs: {@code alloc} and {@code free_completed}, in file order.
 */
public final class TraceReader {
    private TraceReader() {
    }

    public static List<TraceEvent> read(Path file) throws IOException {
        List<TraceEvent> events = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isEmpty() || line.startsWith("#") || line.startsWith("seq,")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length < 5) {
                    throw new IOException(file + ":" + lineNo + ": expected 7 columns, got " + f.length + ": " + line);
                }
                boolean alloc = f[2].equals("alloc");
                if (!alloc && !f[2].equals("free_completed")) {
                    continue;
                }
                try {
                    events.add(new TraceEvent(Long.parseLong(f[0]), alloc, Long.parseLong(f[3]), Long.parseLong(f[4])));
                } catch (NumberFormatException e) {
                    throw new IOException(file + ":" + lineNo + ": bad number in: " + line, e);
                }
            }
        }
        return events;
    }
}

package io.heapscope.agent.replay;

import io.heapscope.agent.interchange.Pickle;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads a recorded workload, detecting the format from the file's content (gzip or plain):
 * <ul>
 *   <li>{@code pytorch-trace-csv}: {@code seq,time_us,action,addr,size,stream,site} (the traces in ../shared/traces);</li>
 *   <li>{@code rmm-csv}: RMM's logging_resource_adaptor log, {@code Thread,Time,Action,Pointer,Size,Stream};</li>
 *   <li>{@code pytorch-snapshot}: the pickle of {@code torch.cuda.memory._dump_snapshot}, its {@code device_traces};</li>
 *   <li>{@code heapscope-jfr}: a JFR recording with Heapscope allocator events (BufferAllocated/Recycled/Freed,
 *   AllocationFailed, and HeapAllocated/Released as segment actions without an address: see
 *   {@link #resolveHeapAddresses}).</li>
 * </ul>
 * Malformed input raises {@link WorkloadFormatException} naming the file and the line or byte offset.
 */
public final class WorkloadReader {
    private WorkloadReader() {
    }

    public static Workload read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new WorkloadFormatException(file, "0", "no such file");
        }
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n == 0) {
                throw new WorkloadFormatException(file, "0", "empty file");
            }
        }
        String name = nameOf(file);
        if (isJfrMagic(head)) {
            return readJfr(file, name);
        }
        byte[] data;
        if ((head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
                data = in.readAllBytes();
            } catch (IOException e) {
                throw new WorkloadFormatException(file, "0", "broken gzip: " + e.getMessage(), e);
            }
        } else {
            data = Files.readAllBytes(file);
        }
        if (data.length > 0 && (data[0] & 0xff) == 0x80) {
            return readSnapshot(file, name, data);
        }
        return readCsv(file, name, data);
    }

    /** The file name without its extensions ({@code .trace.csv.gz}, {@code .pickle}, {@code .jfr}, ...). */
    public static String nameOf(Path file) {
        return file.getFileName().toString().replaceAll("(\\.trace)?(\\.csv|\\.pickle|\\.pkl|\\.jfr|\\.log)?(\\.gz)?$", "");
    }

    // -------------------------------------------------------------------------------------------------------- CSV

    private static Workload readCsv(Path file, String name, byte[] data) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(data),
                StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                if (t.startsWith("seq,time_us,action,addr,size")) {
                    return readTraceCsv(file, name, r, lineNo);
                }
                if (t.replace(" ", "").toLowerCase(Locale.ROOT).startsWith("thread,time,action,pointer,size")) {
                    return readRmmCsv(file, name, r, lineNo);
                }
                throw new WorkloadFormatException(file, "line " + lineNo, "unknown format: expected a PyTorch trace "
                        + "header 'seq,time_us,action,addr,size,stream,site', an RMM log header "
                        + "'Thread,Time,Action,Pointer,Size,Stream', a PyTorch snapshot pickle or a JFR recording; got '"
                        + abbreviate(t) + "'");
            }
        }
        throw new WorkloadFormatException(file, "line 1", "no header line");
    }

    private static Workload readTraceCsv(Path file, String name, BufferedReader r, int lineNo) throws IOException {
        Workload w = new Workload(name, "pytorch-trace-csv");
        String line;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            // seq,time_us,action,addr,size,stream,site: split by hand (the hot part of parsing)
            int c0 = line.indexOf(',');
            int c1 = c0 < 0 ? -1 : line.indexOf(',', c0 + 1);
            int c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
            int c3 = c2 < 0 ? -1 : line.indexOf(',', c2 + 1);
            int c4 = c3 < 0 ? -1 : line.indexOf(',', c3 + 1);
            if (c3 < 0) {
                throw new WorkloadFormatException(file, "line " + lineNo, "expected 7 columns "
                        + "seq,time_us,action,addr,size,stream,site: " + abbreviate(line));
            }
            int c5 = c4 < 0 ? -1 : line.indexOf(',', c4 + 1);
            byte kind = action(line.substring(c1 + 1, c2));
            if (kind < 0) {
                throw new WorkloadFormatException(file, "line " + lineNo, "unknown action '"
                        + line.substring(c1 + 1, c2) + "' (expected alloc, free_requested, free_completed, "
                        + "segment_alloc, segment_free, oom)");
            }
            try {
                long time = parseLong(line, c0 + 1, c1);
                long addr = parseLong(line, c2 + 1, c3);
                long size = parseLong(line, c3 + 1, c4 < 0 ? line.length() : c4);
                int stream = c4 < 0 ? 0 : (int) parseLong(line, c4 + 1, c5 < 0 ? line.length() : c5);
                int site = c5 < 0 || c5 + 1 >= line.length() ? -1 : w.site(line.substring(c5 + 1), "");
                w.add(kind, time, addr, size, stream, site);
            } catch (NumberFormatException e) {
                throw new WorkloadFormatException(file, "line " + lineNo, "bad number (" + e.getMessage() + "): "
                        + abbreviate(line));
            }
        }
        return w;
    }

    private static long parseLong(String s, int from, int to) {
        if (from >= to) {
            return 0;
        }
        boolean neg = s.charAt(from) == '-';
        long v = 0;
        for (int i = neg ? from + 1 : from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                throw new NumberFormatException("'" + s.substring(from, to) + "'");
            }
            v = v * 10 + d;
        }
        return neg ? -v : v;
    }

    private static byte action(String a) {
        return switch (a) {
            case "alloc" -> Workload.ALLOC;
            case "free_completed" -> Workload.FREE;
            case "free_requested" -> Workload.FREE_REQUESTED;
            case "segment_alloc" -> Workload.SEGMENT_ALLOC;
            case "segment_free" -> Workload.SEGMENT_FREE;
            case "oom" -> Workload.OOM;
            default -> -1;
        };
    }

    /**
     * RMM's log: {@code Thread,Time,Action,Pointer,Size,Stream}, Action {@code allocate}, {@code free} or
     * {@code allocate failure}; Pointer hexadecimal (0x...) or decimal; Time either a number (microseconds) or
     * {@code HH:MM:SS.ffffff}.
     */
    private static Workload readRmmCsv(Path file, String name, BufferedReader r, int lineNo) throws IOException {
        Workload w = new Workload(name, "rmm-csv");
        String line;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (line.isBlank() || line.charAt(0) == '#') {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length < 5) {
                throw new WorkloadFormatException(file, "line " + lineNo, "expected 6 columns "
                        + "Thread,Time,Action,Pointer,Size,Stream, got " + f.length + ": " + abbreviate(line));
            }
            String action = f[2].strip().toLowerCase(Locale.ROOT);
            byte kind = switch (action) {
                case "allocate" -> Workload.ALLOC;
                case "free" -> Workload.FREE;
                case "allocate failure" -> Workload.OOM;
                default -> -1;
            };
            if (kind < 0) {
                throw new WorkloadFormatException(file, "line " + lineNo, "unknown RMM action '" + f[2].strip()
                        + "' (expected allocate, free, allocate failure)");
            }
            try {
                long time = rmmTime(f[1].strip());
                long ptr = pointer(f[3].strip());
                long size = Long.parseLong(f[4].strip());
                int stream = f.length > 5 && !f[5].isBlank() ? (int) pointer(f[5].strip()) : 0;
                w.add(kind, time, ptr, size, stream, -1);
            } catch (NumberFormatException e) {
                throw new WorkloadFormatException(file, "line " + lineNo, "bad number (" + e.getMessage() + "): "
                        + abbreviate(line));
            }
        }
        return w;
    }

    private static long pointer(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return Long.parseUnsignedLong(s.substring(2), 16);
        }
        return Long.parseLong(s);
    }

    private static long rmmTime(String s) {
        if (s.indexOf(':') < 0) {
            return s.isEmpty() ? 0 : Math.round(Double.parseDouble(s));
        }
        String[] p = s.split(":");
        double seconds = 0;
        for (String part : p) {
            seconds = seconds * 60 + Double.parseDouble(part);
        }
        return Math.round(seconds * 1e6);
    }

    // -------------------------------------------------------------------------------------------------- snapshots

    private static Workload readSnapshot(Path file, String name, byte[] data) throws IOException {
        Object root;
        try {
            root = Pickle.read(data);
        } catch (Pickle.PickleException e) {
            throw new WorkloadFormatException(file, "byte " + e.offset(), e.getMessage().replaceFirst("^byte \\d+: ", ""), e);
        }
        if (!(root instanceof Map<?, ?> snapshot) || !snapshot.containsKey("device_traces")) {
            throw new WorkloadFormatException(file, "byte 0", "a pickle, but not a PyTorch memory snapshot (no "
                    + "'device_traces'; record with torch.cuda.memory._record_memory_history() before _dump_snapshot)");
        }
        if (!(snapshot.get("device_traces") instanceof List<?> devices)) {
            throw new WorkloadFormatException(file, "device_traces", "not a list");
        }
        Workload w = new Workload(name, "pytorch-snapshot");
        for (int d = 0; d < devices.size(); d++) {
            if (!(devices.get(d) instanceof List<?> entries)) {
                throw new WorkloadFormatException(file, "device_traces[" + d + "]", "not a list");
            }
            for (int i = 0; i < entries.size(); i++) {
                String pos = "device_traces[" + d + "][" + i + "]";
                if (!(entries.get(i) instanceof Map<?, ?> e)) {
                    throw new WorkloadFormatException(file, pos, "not a dict");
                }
                Object a = e.get("action");
                byte kind = a instanceof String s ? action(s) : -1;
                if (kind < 0) {
                    if ("snapshot".equals(a)) {
                        continue; // a marker of when the snapshot was taken
                    }
                    throw new WorkloadFormatException(file, pos, "unknown action " + a);
                }
                long addr = number(file, pos, e, "addr", kind == Workload.OOM);
                long size = number(file, pos, e, "size", false);
                long time = number(file, pos, e, "time_us", true);
                long stream = number(file, pos, e, "stream", true);
                int site = -1;
                if (e.get("frames") instanceof List<?> frames && !frames.isEmpty()) {
                    site = siteOf(w, frames);
                }
                w.add(kind, time, addr, size, (int) stream, site);
            }
        }
        return w;
    }

    private static long number(Path file, String pos, Map<?, ?> e, String key, boolean optional)
            throws WorkloadFormatException {
        Object v = e.get(key);
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof java.math.BigInteger b) {
            return b.longValue();
        }
        if (v instanceof Double d) {
            return d.longValue();
        }
        if (v == null && optional) {
            return 0;
        }
        throw new WorkloadFormatException(file, pos, "'" + key + "' is " + (v == null ? "missing" : "not a number: " + v));
    }

    /** PyTorch frames, innermost first: the site is the first Python frame outside torch, else the first frame. */
    private static int siteOf(Workload w, List<?> frames) {
        StringBuilder stack = new StringBuilder();
        String site = null;
        for (Object o : frames) {
            if (!(o instanceof Map<?, ?> f)) {
                continue;
            }
            String frame = f.get("filename") + ":" + f.get("line") + ":" + f.get("name");
            stack.append(frame).append('\n');
            String filename = String.valueOf(f.get("filename"));
            if (site == null && filename.endsWith(".py") && !filename.contains("/torch/")) {
                site = frame;
            }
        }
        if (site == null) {
            site = stack.isEmpty() ? null : stack.substring(0, stack.indexOf("\n"));
        }
        return w.site(site, stack.toString());
    }

    // -------------------------------------------------------------------------------------------------------- JFR

    private static Workload readJfr(Path file, String name) throws IOException {
        long[] t = new long[1024];
        long[] addr = new long[1024];
        long[] size = new long[1024];
        byte[] kind = new byte[1024];
        int[] site = new int[1024];
        long[] heap = new long[1024];
        int n = 0;
        Workload w = new Workload(name, "heapscope-jfr");
        try (RecordingFile f = new RecordingFile(file)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                byte k = switch (type) {
                    case "heapscope.BufferAllocated", "heapscope.BufferRecycled" -> Workload.ALLOC;
                    case "heapscope.BufferFreed" -> Workload.FREE;
                    case "heapscope.AllocationFailed" -> Workload.OOM;
                    case "heapscope.HeapAllocated" -> Workload.SEGMENT_ALLOC;
                    case "heapscope.HeapReleased" -> Workload.SEGMENT_FREE;
                    default -> -1;
                };
                boolean heapEvent = k == Workload.SEGMENT_ALLOC || k == Workload.SEGMENT_FREE;
                if (k < 0 || !isAllocatorEvent(e) || !e.hasField("address") && k != Workload.OOM && !heapEvent) {
                    continue;
                }
                if (n == t.length) {
                    t = Arrays.copyOf(t, n * 2);
                    addr = Arrays.copyOf(addr, n * 2);
                    size = Arrays.copyOf(size, n * 2);
                    kind = Arrays.copyOf(kind, n * 2);
                    site = Arrays.copyOf(site, n * 2);
                    heap = Arrays.copyOf(heap, n * 2);
                }
                heap[n] = e.hasField("heapId") ? e.getLong("heapId") : 0;
                t[n] = e.getStartTime().getEpochSecond() * 1_000_000_000L + e.getStartTime().getNano();
                addr[n] = e.hasField("address") ? e.getLong("address") : 0;
                size[n] = heapEvent ? (e.hasField("heapSize") ? e.getLong("heapSize") : 0)
                        : e.hasField("requestedSize") ? e.getLong("requestedSize")
                        : e.hasField("alignedSize") ? e.getLong("alignedSize") : 0;
                kind[n] = k;
                site[n] = k == Workload.FREE || heapEvent ? -1 : siteOf(w, e.getStackTrace());
                n++;
            }
        } catch (IOException e) {
            throw new WorkloadFormatException(file, "0", "not a readable JFR recording: " + e.getMessage(), e);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final long[] times = t;
        Arrays.sort(order, (a, b) -> Long.compare(times[a], times[b]));
        long t0 = n == 0 ? 0 : t[order[0]];
        for (int j = 0; j < n; j++) {
            int i = order[j];
            w.addInHeap(kind[i], (t[i] - t0) / 1000, addr[i], size[i], site[i], heap[i]);
        }
        resolveHeapAddresses(w);
        return w;
    }

    /**
     * Gives the heap (segment) actions of a Heapscope recording an address: heap events carry none, so a heap's
     * base is taken as the address of the first buffer placed in it after it was created (the first placement in
     * an empty heap is at offset 0), or a made-up address above every buffer for a heap that never held one.
     */
    public static void resolveHeapAddresses(Workload w) {
        java.util.Map<Long, Integer> open = new java.util.HashMap<>(); // heapId -> index of its SEGMENT_ALLOC
        java.util.Map<Long, Long> base = new java.util.HashMap<>();
        long top = 0;
        for (int i = 0; i < w.size(); i++) {
            top = Math.max(top, w.address(i) + w.bytes(i));
        }
        long madeUp = (top + (1L << 30)) & ~((1L << 30) - 1);
        for (int i = 0; i < w.size(); i++) {
            long h = w.heapId(i);
            switch (w.kind(i)) {
                case Workload.SEGMENT_ALLOC -> {
                    open.put(h, i);
                    base.remove(h);
                }
                case Workload.ALLOC -> {
                    Integer seg = open.get(h);
                    if (seg != null && !base.containsKey(h)) {
                        base.put(h, w.address(i));
                        w.setAddress(seg, w.address(i));
                    }
                }
                case Workload.SEGMENT_FREE -> {
                    Integer seg = open.remove(h);
                    Long b = base.remove(h);
                    if (b == null) {
                        b = madeUp;
                        madeUp += (w.bytes(i) + (1L << 21)) & ~((1L << 21) - 1);
                        if (seg != null) {
                            w.setAddress(seg, b);
                        }
                    }
                    w.setAddress(i, b);
                }
                default -> {
                }
            }
        }
        for (int seg : open.values()) {
            if (w.address(seg) == 0) {
                w.setAddress(seg, madeUp);
                madeUp += (w.bytes(seg) + (1L << 21)) & ~((1L << 21) - 1);
            }
        }
    }

    /** Allocator events (framework "heapscope" or none), not the agent's framework events. */
    public static boolean isAllocatorEvent(RecordedEvent e) {
        // allocator events name their allocator; recordings from before that carried framework "heapscope"
        return e.hasField("allocatorId")
                || e.hasField("framework") && "heapscope".equals(e.getString("framework")) && e.hasField("bufferId");
    }

    /** The site of a JFR stack: the first frame outside Heapscope, the JDK and the agent's hooks. */
    public static int siteOf(Workload w, RecordedStackTrace st) {
        if (st == null) {
            return -1;
        }
        String[] site = siteAndStack(st);
        return w.site(site[0], site[1]);
    }

    /** {site name, stack} of a JFR stack trace; the site is the first application frame. */
    public static String[] siteAndStack(RecordedStackTrace st) {
        StringBuilder stack = new StringBuilder();
        String site = null;
        List<RecordedFrame> frames = st.getFrames();
        for (RecordedFrame fr : frames) {
            if (!fr.isJavaFrame()) {
                continue;
            }
            String cls = fr.getMethod().getType().getName();
            String frame = cls + "." + fr.getMethod().getName() + ":" + fr.getLineNumber();
            stack.append(frame).append('\n');
            if (site == null && !isInfrastructure(cls)) {
                site = frame;
            }
        }
        if (site == null && !stack.isEmpty()) {
            site = stack.substring(0, stack.indexOf("\n"));
        }
        return new String[] {site, stack.toString()};
    }

    private static final List<String> INFRASTRUCTURE = List.of("io.heapscope.allocator.",
            "io.heapscope.telemetry.", "io.heapscope.backend.", "io.heapscope.agent.hooks.",
            "io.heapscope.agent.bootstrap.", "io.heapscope.agent.shaded.", "io.heapscope.agent.replay.Replayer",
            "java.", "jdk.", "sun.", "io.netty.buffer.");

    private static boolean isInfrastructure(String cls) {
        for (String p : INFRASTRUCTURE) {
            if (cls.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    /** True when these first bytes of a file are a JFR recording's magic ({@code FLR\0}). */
    public static boolean isJfrMagic(byte[] head) {
        return head.length >= 4 && head[0] == 'F' && head[1] == 'L' && head[2] == 'R' && head[3] == 0;
    }
}

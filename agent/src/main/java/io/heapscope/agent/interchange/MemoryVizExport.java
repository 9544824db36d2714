package io.heapscope.agent.interchange;

import io.heapscope.agent.replay.Workload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A workload as a PyTorch memory snapshot ({@code torch.cuda.memory._dump_snapshot}'s pickle): top-level
 * {@code segments}, {@code device_traces}, {@code allocator_settings}, {@code external_annotations}; segments with
 * blocks that tile them (active_allocated / inactive); trace entries with {@code action, addr, size, stream,
 * time_us, frames, compile_context, user_metadata}.
 *
 * <p>Segments come from the workload's {@code segment_alloc}/{@code segment_free} actions where it has them (PyTorch
 * traces and snapshots). A workload without them (RMM logs, Heapscope recordings) is written as an allocator that
 * reserves exactly each allocation: a {@code segment_alloc} before each {@code alloc} and a {@code segment_free}
 * after each {@code free_completed}, so PyTorch's tools see consistent segments.
 */
public final class MemoryVizExport {
    private MemoryVizExport() {
    }

    public static Map<String, Object> snapshot(Workload w) {
        boolean hasSegments = false;
        for (int i = 0; i < w.size() && !hasSegments; i++) {
            hasSegments = w.kind(i) == Workload.SEGMENT_ALLOC;
        }
        List<List<Object>> framesOfSite = new ArrayList<>();
        for (Workload.Site s : w.sites()) {
            framesOfSite.add(frames(s));
        }
        List<Object> trace = new ArrayList<>(w.size() * (hasSegments ? 1 : 2));
        TreeMap<Long, long[]> segments = new TreeMap<>(); // address -> {size, stream}
        Map<Long, long[]> live = new HashMap<>(); // address -> {size, site}
        for (int i = 0; i < w.size(); i++) {
            byte k = w.kind(i);
            long addr = w.address(i);
            long size = w.bytes(i);
            int site = w.siteId(i);
            List<Object> frames = site < 0 ? List.of() : framesOfSite.get(site);
            if (!hasSegments && k == Workload.ALLOC) {
                trace.add(entry("segment_alloc", addr, size, w, i, frames));
                segments.put(addr, new long[] {size, w.stream(i)});
            }
            if (!hasSegments && (k == Workload.SEGMENT_ALLOC || k == Workload.SEGMENT_FREE)) {
                continue;
            }
            Map<String, Object> e = entry(Workload.actionName(k), addr, size, w, i, frames);
            if (k == Workload.OOM) {
                e.put("device_free", 0L);
            }
            trace.add(e);
            switch (k) {
                case Workload.ALLOC -> live.put(addr, new long[] {size, site});
                case Workload.FREE -> live.remove(addr);
                case Workload.SEGMENT_ALLOC -> segments.put(addr, new long[] {size, w.stream(i)});
                case Workload.SEGMENT_FREE -> segments.remove(addr);
                default -> {
                }
            }
            if (!hasSegments && k == Workload.FREE) {
                long[] seg = segments.remove(addr);
                trace.add(entry("segment_free", addr, seg == null ? size : seg[0], w, i, frames));
            }
        }
        Map<String, Object> snap = new LinkedHashMap<>();
        snap.put("segments", segments(segments, live, framesOfSite));
        snap.put("device_traces", List.of(trace));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("PYTORCH_CUDA_ALLOC_CONF", "");
        settings.put("max_split_size", -1L);
        settings.put("garbage_collection_threshold", 0.0);
        settings.put("expandable_segments", Boolean.FALSE);
        settings.put("heapscope_source", w.name() + " (" + w.format() + ")");
        snap.put("allocator_settings", settings);
        snap.put("external_annotations", List.of());
        return snap;
    }

    private static Map<String, Object> entry(String action, long addr, long size, Workload w, int i,
                                             List<Object> frames) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("action", action);
        e.put("addr", addr);
        e.put("size", size);
        e.put("stream", (long) w.stream(i));
        e.put("time_us", w.timeUs(i));
        e.put("frames", frames);
        e.put("compile_context", "N/A");
        e.put("user_metadata", "");
        return e;
    }

    private static List<Object> segments(TreeMap<Long, long[]> segs, Map<Long, long[]> live,
                                         List<List<Object>> framesOfSite) {
        TreeMap<Long, long[]> blocks = new TreeMap<>(live);
        List<Object> out = new ArrayList<>();
        for (Map.Entry<Long, long[]> s : segs.entrySet()) {
            long base = s.getKey();
            long total = s.getValue()[0];
            long end = base + total;
            List<Object> bl = new ArrayList<>();
            long cursor = base;
            long allocated = 0;
            for (Map.Entry<Long, long[]> b : blocks.subMap(base, end).entrySet()) {
                long addr = b.getKey();
                long size = Math.min(b.getValue()[0], end - addr);
                if (addr < cursor) {
                    continue; // overlapping records: keep the first
                }
                if (addr > cursor) {
                    bl.add(block(cursor, addr - cursor, 0, "inactive", List.of()));
                }
                int site = (int) b.getValue()[1];
                bl.add(block(addr, size, size, "active_allocated", site < 0 ? List.of() : framesOfSite.get(site)));
                allocated += size;
                cursor = addr + size;
            }
            if (cursor < end) {
                bl.add(block(cursor, end - cursor, 0, "inactive", List.of()));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", 0L);
            m.put("address", base);
            m.put("total_size", total);
            m.put("allocated_size", allocated);
            m.put("active_size", allocated);
            m.put("requested_size", allocated);
            m.put("stream", s.getValue()[1]);
            m.put("segment_type", total <= (1 << 20) ? "small" : "large");
            m.put("segment_pool_id", new Pickle.Tuple(List.of(0L, 0L)));
            m.put("is_expandable", Boolean.FALSE);
            m.put("frames", List.of());
            m.put("blocks", bl);
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> block(long addr, long size, long requested, String state, List<Object> frames) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("address", addr);
        b.put("size", size);
        b.put("requested_size", requested);
        b.put("state", state);
        b.put("frames", frames);
        return b;
    }

    /** Frames of a site stack ("file:line:name" or "Class.method:line" per line), innermost first. */
    static List<Object> frames(Workload.Site s) {
        List<Object> out = new ArrayList<>();
        String stack = s.stack().isEmpty() ? s.name() : s.stack();
        for (String line : stack.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> f = new LinkedHashMap<>();
            String[] p = line.split(":");
            if (p.length >= 3) { // file:line:name (PyTorch)
                f.put("filename", String.join(":", java.util.Arrays.copyOf(p, p.length - 2)));
                f.put("line", parseOr(p[p.length - 2]));
                f.put("name", p[p.length - 1]);
            } else if (p.length == 2) { // Class.method:line (Java)
                int dot = p[0].lastIndexOf('.');
                f.put("filename", dot < 0 ? p[0] : p[0].substring(0, dot));
                f.put("line", parseOr(p[1]));
                f.put("name", dot < 0 ? p[0] : p[0].substring(dot + 1));
            } else {
                f.put("filename", line);
                f.put("line", 0L);
                f.put("name", line);
            }
            out.add(f);
        }
        return out;
    }

    private static long parseOr(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

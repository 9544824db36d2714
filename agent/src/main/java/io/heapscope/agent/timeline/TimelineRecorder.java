package io.heapscope.agent.timeline;


import io.heapscope.allocator.event.AllocatorEvent;
import io.heapscope.allocator.event.AllocatorListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds one run of a memory timeline from allocator events (live from a replay's allocator, or read back from a
 * JFR recording): live bytes per pool and per framework, reserved bytes, watermark limits, pressure intervals, GC
 * passes and allocation failures, the allocator's heaps and buffers at chosen moments, and allocation sites.
 *
 * <p>The x axis is whatever the driver sets with {@link #at(double)} before feeding an event (event index for
 * replays, milliseconds for recordings). Series are downsampled to {@code columns} columns: each column keeps the
 * moment of highest in-use bytes within it (so peaks survive) and the highest reserved bytes. State snapshots are
 * taken at {@code snapshots} evenly spaced moments, at the first allocation failure and at the end.
 */
public final class TimelineRecorder implements AllocatorListener {
    static final int IN_USE = 0;
    static final int CACHED = 1;

    private final String label;
    private final double xMin;
    private final double xMax;
    private final int columns;
    private final int snapshotCount;
    private final String xUnit;

    private double x;
    private long events;
    private final Map<String, Integer> pools = new LinkedHashMap<>();
    private long[] poolInUse = new long[8];
    private final Map<String, Integer> frameworks = new LinkedHashMap<>();
    private long[] frameworkLive = new long[8];
    private long totalReserved;
    private long totalInUse;
    private long peakReserved;
    private long peakInUse;

    // per column
    private final boolean[] colSet;
    private final double[] colX;
    private final long[] colInUse;
    private final long[] colReserved;
    private long[][] colPool;
    private final long[] colFwTotal;
    private long[][] colFw;

    private long highWatermark;
    private long lowWatermark;
    private final List<Map<String, Object>> gcs = new ArrayList<>();
    private long gcCount;
    private final List<Map<String, Object>> failures = new ArrayList<>();
    private long failureCount;
    private final List<double[]> pressure = new ArrayList<>();
    private double pressureSince = Double.NaN;

    private static final class Heap {
        final long id;
        final String pool;
        final long size;
        long base = Long.MAX_VALUE;
        final Map<Long, long[]> buffers = new HashMap<>(); // bufferId -> {address, size, state}

        Heap(long id, String pool, long size) {
            this.id = id;
            this.pool = pool;
            this.size = size;
        }
    }

    private final Map<Long, Heap> heaps = new TreeMap<>();
    private final List<Map<String, Object>> snapshots = new ArrayList<>();
    private int nextSnapshot;
    private boolean failureSnapshotTaken;

    // sites
    private final List<String> siteNames = new ArrayList<>();
    private final List<String> siteStacks = new ArrayList<>();
    private final Map<String, Integer> siteIds = new HashMap<>();
    private long[] siteLive = new long[64];
    private long[] sitePeak = new long[64];
    private long[] siteCount = new long[64];
    private final Map<Long, long[]> liveBySite = new HashMap<>(); // key -> {site, bytes, x bits}

    public TimelineRecorder(String label, double xMin, double xMax, String xUnit, int columns, int snapshots) {
        this.label = label;
        this.xMin = xMin;
        this.xMax = Math.max(xMax, xMin + 1e-9);
        this.xUnit = xUnit;
        this.columns = Math.max(1, columns);
        this.snapshotCount = snapshots;
        colSet = new boolean[this.columns];
        colX = new double[this.columns];
        colInUse = new long[this.columns];
        colReserved = new long[this.columns];
        colPool = new long[8][this.columns];
        colFwTotal = new long[this.columns];
        colFw = new long[8][this.columns];
        this.x = xMin;
    }

    /** Sets the x position of the following events. */
    public void at(double position) {
        this.x = position;
    }

    public void watermarks(long high, long low) {
        highWatermark = high;
        lowWatermark = low;
    }

    private int pool(String name) {
        Integer i = pools.get(name);
        if (i == null) {
            i = pools.size();
            pools.put(name, i);
            if (i >= poolInUse.length) {
                poolInUse = Arrays.copyOf(poolInUse, i * 2);
                colPool = Arrays.copyOf(colPool, i * 2);
                for (int k = i; k < colPool.length; k++) {
                    colPool[k] = new long[columns];
                }
            }
        }
        return i;
    }

    private int framework(String name) {
        Integer i = frameworks.get(name);
        if (i == null) {
            i = frameworks.size();
            frameworks.put(name, i);
            if (i >= frameworkLive.length) {
                frameworkLive = Arrays.copyOf(frameworkLive, i * 2);
                colFw = Arrays.copyOf(colFw, i * 2);
                for (int k = i; k < colFw.length; k++) {
                    colFw[k] = new long[columns];
                }
            }
        }
        return i;
    }

    private boolean frozen;

    /** Takes the end snapshot now and ignores later events (an allocator being cleaned up and closed). */
    public void freeze() {
        if (!frozen) {
            closePressure();
            snapshot("end");
            frozen = true;
        }
    }

    private void closePressure() {
        if (!Double.isNaN(pressureSince)) {
            pressure.add(new double[] {pressureSince, x});
            pressureSince = Double.NaN;
        }
    }

        /** During a replay: the allocator's typed events, flattened. */
    @Override
    public void onEvent(AllocatorEvent event) {
        accept(TimelineEvent.of(event));
    }

    public void accept(TimelineEvent e) {
        if (frozen) {
            return;
        }
        events++;
        String fw = e.framework();
        if (!fw.isEmpty() && !fw.equals(TimelineEvent.FRAMEWORK_HEAPSCOPE)) {
            frameworkEvent(e, framework(fw));
            sample();
            return;
        }
        int p = pool(e.pool());
        switch (e.kind()) {
            case BUFFER_ALLOCATED, BUFFER_RECYCLED -> {
                poolInUse[p] += e.alignedSize();
                Heap h = heap(e);
                h.base = Math.min(h.base, e.address());
                h.buffers.put(e.bufferId(), new long[] {e.address(), e.alignedSize(), IN_USE});
            }
            case BUFFER_FREED -> {
                poolInUse[p] -= e.alignedSize();
                long[] b = heap(e).buffers.get(e.bufferId());
                if (b != null) {
                    b[2] = CACHED;
                }
            }
            case BUFFER_RELEASED -> heap(e).buffers.remove(e.bufferId());
            case HEAP_ALLOCATED -> heaps.put(e.heapId(), new Heap(e.heapId(), e.pool(), e.alignedSize()));
            case HEAP_RELEASED -> heaps.remove(e.heapId());
            case GARBAGE_COLLECTION -> {
                gcCount++;
                if (gcs.size() < 2000) {
                    gcs.add(Map.of("x", x, "pool", e.pool(), "freed", e.count(), "bytes", e.reclaimedBytes()));
                }
            }
            case ALLOCATION_FAILED -> {
                failureCount++;
                if (failures.size() < 2000) {
                    failures.add(Map.of("x", x, "pool", e.pool(), "size", e.requestedSize(), "message",
                            e.message()));
                }
                if (!failureSnapshotTaken) {
                    failureSnapshotTaken = true;
                    snapshot("first allocation failure");
                }
            }
            case MEMORY_PRESSURE -> {
                if (e.targetBytes() > 0) {
                    lowWatermark = e.targetBytes();
                }
                if (e.pressure() && Double.isNaN(pressureSince)) {
                    pressureSince = x;
                } else if (!e.pressure()) {
                    closePressure();
                }
            }
            case POOL_STATISTICS -> {
            }
        }
        totalReserved = e.totalReserved();
        totalInUse = e.totalInUse();
        sample();
    }

    private Heap heap(TimelineEvent e) {
        return heaps.computeIfAbsent(e.heapId(), id -> new Heap(id, e.pool(), 0));
    }

    private void frameworkEvent(TimelineEvent e, int f) {
        long bytes = e.alignedSize() != 0 ? e.alignedSize() : e.requestedSize();
        switch (e.kind()) {
            case BUFFER_ALLOCATED, BUFFER_RECYCLED -> frameworkLive[f] += bytes;
            case BUFFER_FREED, BUFFER_RELEASED -> frameworkLive[f] = Math.max(0, frameworkLive[f] - bytes);
            default -> {
            }
        }
    }

    /** Sets reserved and in-use totals directly (sources without per-event totals). */
    public void totals(long reserved, long inUse) {
        totalReserved = reserved;
        totalInUse = inUse;
    }

    /** Records the current state into the current column; call after each driving operation. */
    public void sample() {
        if (frozen) {
            return;
        }
        peakReserved = Math.max(peakReserved, totalReserved);
        peakInUse = Math.max(peakInUse, totalInUse);
        int c = (int) ((x - xMin) * columns / (xMax - xMin));
        c = c < 0 ? 0 : c >= columns ? columns - 1 : c;
        if (!colSet[c] || totalInUse > colInUse[c]) {
            colSet[c] = true;
            colX[c] = x;
            colInUse[c] = totalInUse;
            for (int p = 0; p < pools.size(); p++) {
                colPool[p][c] = poolInUse[p];
            }
        }
        if (totalReserved > colReserved[c]) {
            colReserved[c] = totalReserved;
        }
        if (!frameworks.isEmpty()) {
            long fwTotal = 0;
            for (int f = 0; f < frameworks.size(); f++) {
                fwTotal += frameworkLive[f];
            }
            if (fwTotal >= colFwTotal[c]) {
                colFwTotal[c] = fwTotal;
                for (int f = 0; f < frameworks.size(); f++) {
                    colFw[f][c] = frameworkLive[f];
                }
            }
        }
        if (nextSnapshot < snapshotCount && x >= xMin + (xMax - xMin) * (nextSnapshot + 1) / (snapshotCount + 1)) {
            nextSnapshot++;
            snapshot("");
        }
    }

    // ------------------------------------------------------------------------------------------------------ sites

    public int site(String name, String stack) {
        Integer i = siteIds.get(name);
        if (i == null) {
            i = siteNames.size();
            siteIds.put(name, i);
            siteNames.add(name);
            siteStacks.add(stack == null ? "" : stack);
            if (i >= siteLive.length) {
                siteLive = Arrays.copyOf(siteLive, i * 2);
                sitePeak = Arrays.copyOf(sitePeak, i * 2);
                siteCount = Arrays.copyOf(siteCount, i * 2);
            }
        }
        return i;
    }

    /** An allocation of {@code bytes} from {@code site} (an index from {@link #site}), known by {@code key}. */
    public void siteAlloc(int site, long key, long bytes) {
        if (site < 0) {
            return;
        }
        long[] prev = liveBySite.put(key, new long[] {site, bytes, Double.doubleToRawLongBits(x), events});
        if (prev != null) {
            siteLive[(int) prev[0]] -= prev[1];
        }
        siteLive[site] += bytes;
        siteCount[site]++;
        if (siteLive[site] > sitePeak[site]) {
            sitePeak[site] = siteLive[site];
        }
    }

    public void siteFree(long key) {
        long[] a = liveBySite.remove(key);
        if (a != null) {
            siteLive[(int) a[0]] -= a[1];
        }
    }

    // ------------------------------------------------------------------------------------------------- snapshots

    private void snapshot(String why) {
        List<Object> hs = new ArrayList<>();
        long buffers = 0;
        for (Heap h : heaps.values()) {
            long base = h.base == Long.MAX_VALUE ? 0 : h.base;
            long[] flat = new long[h.buffers.size() * 3];
            int k = 0;
            long end = 0;
            for (long[] b : h.buffers.values()) {
                flat[k++] = b[0] - base;
                flat[k++] = b[1];
                flat[k++] = b[2];
                end = Math.max(end, b[0] - base + b[1]);
            }
            buffers += h.buffers.size();
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("id", h.id);
            hm.put("pool", h.pool);
            hm.put("size", Math.max(h.size, end));
            hm.put("b", flat);
            hs.add(hm);
            if (buffers > 200_000) {
                break; // bounded page size
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("x", x);
        s.put("why", why);
        s.put("reserved", totalReserved);
        s.put("inUse", totalInUse);
        s.put("heaps", hs);
        snapshots.add(s);
    }

    /** The run as page data; takes the final snapshot. */
    public Map<String, Object> finish(Map<String, Object> outcome) {
        freeze();
        int used = 0;
        int[] idx = new int[columns];
        for (int c = 0; c < columns; c++) {
            if (colSet[c]) {
                idx[used++] = c;
            }
        }
        double[] xs = new double[used];
        long[] reserved = new long[used];
        for (int j = 0; j < used; j++) {
            xs[j] = colX[idx[j]];
            reserved[j] = Math.max(colReserved[idx[j]], colInUse[idx[j]]);
        }
        Map<String, Object> poolSeries = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> p : pools.entrySet()) {
            if (p.getKey().isEmpty()) {
                continue;
            }
            long[] v = new long[used];
            for (int j = 0; j < used; j++) {
                v[j] = colPool[p.getValue()][idx[j]];
            }
            poolSeries.put(p.getKey(), v);
        }
        Map<String, Object> fwSeries = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> f : frameworks.entrySet()) {
            long[] v = new long[used];
            for (int j = 0; j < used; j++) {
                v[j] = colFw[f.getValue()][idx[j]];
            }
            fwSeries.put(f.getKey(), v);
        }
        List<Object> pr = new ArrayList<>();
        for (double[] iv : pressure) {
            pr.add(iv);
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("label", label);
        run.put("xUnit", xUnit);
        run.put("xMin", xMin);
        run.put("xMax", xMax);
        run.put("events", events);
        run.put("columns", used);
        run.put("x", xs);
        run.put("reserved", reserved);
        run.put("pools", poolSeries);
        run.put("frameworks", fwSeries);
        run.put("highWatermark", highWatermark);
        run.put("lowWatermark", lowWatermark);
        run.put("pressure", pr);
        run.put("gc", gcs);
        run.put("gcCount", gcCount);
        run.put("failures", failures);
        run.put("failureCount", failureCount);
        run.put("peakReserved", peakReserved);
        run.put("peakInUse", peakInUse);
        run.put("snapshots", snapshots);
        run.put("sites", sites());
        run.put("leaks", leaks());
        run.put("outcome", outcome);
        return run;
    }

    private List<Object> sites() {
        Integer[] order = new Integer[siteNames.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(sitePeak[b], sitePeak[a]));
        List<Object> out = new ArrayList<>();
        for (int j = 0; j < Math.min(order.length, 200); j++) {
            int i = order[j];
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", siteNames.get(i));
            m.put("live", siteLive[i]);
            m.put("peak", sitePeak[i]);
            m.put("allocations", siteCount[i]);
            m.put("stack", siteStacks.get(i));
            out.add(m);
        }
        return out;
    }

    /**
     * Leak candidates: sites with allocations still live at the end that were made in the first half of the run
     * (by event count, not time: a slow start-up would skew time), whose live bytes at the end are at least half
     * their peak (memory that was never given back), by bytes.
     */
    private List<Object> leaks() {
        long half = events / 2;
        long[] oldBytes = new long[siteNames.size()];
        long[] oldCount = new long[siteNames.size()];
        double[] oldest = new double[siteNames.size()];
        Arrays.fill(oldest, Double.NaN);
        for (long[] a : liveBySite.values()) {
            double ax = Double.longBitsToDouble(a[2]);
            int s = (int) a[0];
            if (a[3] <= half) {
                oldBytes[s] += a[1];
                oldCount[s]++;
                oldest[s] = Double.isNaN(oldest[s]) ? ax : Math.min(oldest[s], ax);
            }
        }
        List<Integer> cands = new ArrayList<>();
        for (int s = 0; s < siteNames.size(); s++) {
            if (oldBytes[s] > 0 && siteLive[s] * 2 >= sitePeak[s]) {
                cands.add(s);
            }
        }
        cands.sort((a, b) -> Long.compare(oldBytes[b], oldBytes[a]));
        List<Object> out = new ArrayList<>();
        for (int s : cands.subList(0, Math.min(cands.size(), 50))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", siteNames.get(s));
            m.put("bytes", oldBytes[s]);
            m.put("count", oldCount[s]);
            m.put("since", oldest[s]);
            m.put("live", siteLive[s]);
            m.put("peak", sitePeak[s]);
            m.put("stack", siteStacks.get(s));
            out.add(m);
        }
        return out;
    }

    public long peakReserved() {
        return peakReserved;
    }

    public long peakInUse() {
        return peakInUse;
    }

    /** Live and peak bytes per site name (for diffs). */
    public Map<String, long[]> siteTotals() {
        Map<String, long[]> m = new TreeMap<>();
        for (int i = 0; i < siteNames.size(); i++) {
            m.put(siteNames.get(i), new long[] {siteLive[i], sitePeak[i]});
        }
        return m;
    }

    /** Live (at the end) and peak in-use bytes per pool (for diffs). */
    public Map<String, long[]> poolTotals() {
        Map<String, long[]> m = new TreeMap<>();
        for (Map.Entry<String, Integer> p : pools.entrySet()) {
            if (p.getKey().isEmpty()) {
                continue;
            }
            long peak = 0;
            for (int c = 0; c < columns; c++) {
                peak = Math.max(peak, colPool[p.getValue()][c]);
            }
            m.put(p.getKey(), new long[] {poolInUse[p.getValue()], peak});
        }
        for (Map.Entry<String, Integer> f : frameworks.entrySet()) {
            long peak = 0;
            for (int c = 0; c < columns; c++) {
                peak = Math.max(peak, colFw[f.getValue()][c]);
            }
            m.put("framework:" + f.getKey(), new long[] {frameworkLive[f.getValue()], peak});
        }
        return m;
    }
}

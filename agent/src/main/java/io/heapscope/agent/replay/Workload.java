package io.heapscope.agent.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A recorded allocation workload in columns: what a replay drives through an allocator ({@link #ALLOC},
 * {@link #FREE}) and what an export keeps beside it (segment and out-of-memory markers, free requests). Each
 * operation has a time in microseconds (0 where the source has none), an address, a size, a stream and a site
 * (index into {@link #sites()}, -1 when unknown).
 */
public final class Workload {
    public static final byte ALLOC = 0;
    public static final byte FREE = 1;
    public static final byte FREE_REQUESTED = 2;
    public static final byte SEGMENT_ALLOC = 3;
    public static final byte SEGMENT_FREE = 4;
    public static final byte OOM = 5;
    static final String[] ACTION_NAMES = {"alloc", "free_completed", "free_requested", "segment_alloc",
            "segment_free", "oom"};

    /** An allocation site: a short name (first application frame) and its whole stack, one frame per line. */
    public record Site(String name, String stack) {
    }

    private final String name;
    private final String format;
    private byte[] kinds = new byte[1024];
    private long[] addresses = new long[1024];
    private long[] sizes = new long[1024];
    private long[] times = new long[1024];
    private int[] siteIds = new int[1024];
    private int[] streams = new int[1024];
    private long[] heapIds; // only for sources that know heaps (Heapscope recordings)
    private int size;
    private final List<Site> sites = new ArrayList<>();
    private final Map<Site, Integer> siteIndex = new HashMap<>();

    public Workload(String name, String format) {
        this.name = name;
        this.format = format;
    }

    public String name() {
        return name;
    }

    /** The detected input format (e.g. {@code pytorch-trace-csv}). */
    public String format() {
        return format;
    }

    public void add(byte kind, long timeUs, long address, long bytes, int stream, int site) {
        if (size == kinds.length) {
            int n = size * 2;
            kinds = Arrays.copyOf(kinds, n);
            addresses = Arrays.copyOf(addresses, n);
            sizes = Arrays.copyOf(sizes, n);
            times = Arrays.copyOf(times, n);
            siteIds = Arrays.copyOf(siteIds, n);
            streams = Arrays.copyOf(streams, n);
        }
        kinds[size] = kind;
        times[size] = timeUs;
        addresses[size] = address;
        sizes[size] = bytes;
        streams[size] = stream;
        siteIds[size] = site;
        if (heapIds != null) {
            if (heapIds.length < kinds.length) {
                heapIds = Arrays.copyOf(heapIds, kinds.length);
            }
            heapIds[size] = 0;
        }
        size++;
    }

    /** Like {@link #add}, for an operation on (or in) the allocator heap {@code heapId}. */
    public void addInHeap(byte kind, long timeUs, long address, long bytes, int site, long heapId) {
        if (heapIds == null) {
            heapIds = new long[kinds.length];
        }
        add(kind, timeUs, address, bytes, 0, site);
        heapIds[size - 1] = heapId;
    }

    /** The allocator heap of operation i (Heapscope recordings), 0 when unknown. */
    public long heapId(int i) {
        return heapIds == null || i >= heapIds.length ? 0 : heapIds[i];
    }

    /** Sets the address of operation i (an export resolving heap base addresses). */
    void setAddress(int i, long address) {
        addresses[i] = address;
    }

    /** The index of this site, added if new; -1 for a null or empty site. */
    public int site(String siteName, String stack) {
        if (siteName == null || siteName.isEmpty()) {
            return -1;
        }
        Site s = new Site(siteName, stack == null ? "" : stack);
        Integer i = siteIndex.get(s);
        if (i == null) {
            i = sites.size();
            sites.add(s);
            siteIndex.put(s, i);
        }
        return i;
    }

    public int size() {
        return size;
    }

    public byte kind(int i) {
        return kinds[i];
    }

    public long address(int i) {
        return addresses[i];
    }

    public long bytes(int i) {
        return sizes[i];
    }

    public long timeUs(int i) {
        return times[i];
    }

    public int stream(int i) {
        return streams[i];
    }

    public int siteId(int i) {
        return siteIds[i];
    }

    public List<Site> sites() {
        return sites;
    }

    /** Operations a replay drives (alloc + free). */
    public int replayable() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (kinds[i] <= FREE) {
                n++;
            }
        }
        return n;
    }

    public static String actionName(byte kind) {
        return ACTION_NAMES[kind];
    }
}

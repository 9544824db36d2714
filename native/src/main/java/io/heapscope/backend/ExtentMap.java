package io.heapscope.backend;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Placement inside a heap, specified so results are reproducible: a request goes at the lowest offset where it fits
 * (first fit), extents are multiples of {@link #PAGE} and page aligned, and neighbouring free extents coalesce on
 * release. Not thread-safe; heaps guard it.
 */
public final class ExtentMap {
    public static final long PAGE = 4096;

    private final long capacity;
    /** Free extents: offset → length. */
    private final TreeMap<Long, Long> freeByOffset = new TreeMap<>();
    /** Multiset of free lengths (length → count), so the largest free extent is O(log n). */
    private final TreeMap<Long, Integer> freeLengths = new TreeMap<>();
    /** Used extents: offset → length (looked up by offset only, so a hash map: no tree walk per release). */
    private final HashMap<Long, Long> used = new HashMap<>();

    public ExtentMap(long capacity) {
        if (capacity <= 0 || capacity % PAGE != 0) {
            throw new IllegalArgumentException("heap capacity must be a positive multiple of " + PAGE + ", got " + capacity);
        }
        this.capacity = capacity;
        addFree(0, capacity);
    }

    public long capacity() {
        return capacity;
    }

    /** Rounds a length up to whole pages. */
    public static long roundUp(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, got " + length);
        }
        if (length > Long.MAX_VALUE - PAGE) {
            throw new IllegalArgumentException("length " + length + " is too large to round to a page");
        }
        return (length + PAGE - 1) & -PAGE;
    }

    /** Places {@code length} bytes (rounded up to pages) at the lowest free offset that fits; -1 if none does. */
    public long allocate(long length) {
        long size = roundUp(Math.max(length, 1));
        if (freeLengths.isEmpty() || freeLengths.lastKey() < size) {
            return -1;
        }
        for (Map.Entry<Long, Long> e : freeByOffset.entrySet()) {
            if (e.getValue() >= size) {
                long offset = e.getKey();
                long rest = e.getValue() - size;
                removeFree(offset, e.getValue());
                if (rest > 0) {
                    addFree(offset + size, rest);
                }
                used.put(offset, size);
                return offset;
            }
        }
        throw new AssertionError("free length index out of sync");
    }

    /** Frees the extent placed at {@code offset}, coalescing with free neighbours; returns its length. */
    public long release(long offset) {
        Long size = used.remove(offset);
        if (size == null) {
            throw new IllegalArgumentException("no extent placed at offset " + offset);
        }
        long start = offset;
        long length = size;
        Map.Entry<Long, Long> before = freeByOffset.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            removeFree(before.getKey(), before.getValue());
            start = before.getKey();
            length += before.getValue();
        }
        Long afterLength = freeByOffset.get(offset + size);
        if (afterLength != null) {
            removeFree(offset + size, afterLength);
            length += afterLength;
        }
        addFree(start, length);
        return size;
    }

    /** The largest free extent rounded down to {@code alignment} (a power of two). */
    public long maxAvailable(long alignment) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
        }
        if (freeLengths.isEmpty()) {
            return 0;
        }
        return freeLengths.lastKey() & -alignment;
    }

    public long usedBytes() {
        long sum = 0;
        for (long v : used.values()) {
            sum += v;
        }
        return sum;
    }

    public int usedExtents() {
        return used.size();
    }

    public int freeExtents() {
        return freeByOffset.size();
    }

    private void addFree(long offset, long length) {
        freeByOffset.put(offset, length);
        freeLengths.merge(length, 1, Integer::sum);
    }

    private void removeFree(long offset, long length) {
        freeByOffset.remove(offset);
        freeLengths.compute(length, (k, c) -> c == null || c == 1 ? null : c - 1);
    }
}

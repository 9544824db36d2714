package io.heapscope.allocator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A pool's cached (available) buffers, ordered by (size, address) as the seed's {@code std::set<BufferBlock*>} with
 * {@code BufferBlock::Comparator}: {@link #ceiling(long)} is the seed's {@code lower_bound} best fit (the smallest
 * size at least the request, then the lowest address), and iteration runs in that order, so every decision is the
 * one a sorted set makes.
 *
 * <p>Built for the hot path, where a tree pays pointer chasing at every level and a node allocation per insert:
 * <ul>
 *   <li>buffers of one size form a {@link Bucket}: an array sorted by address with room at both ends, so taking the
 *       lowest address and putting back a buffer at either end cost O(1); any other insert or remove finds its slot
 *       by binary search and moves the shorter side with one {@code System.arraycopy} (references only: the
 *       buffers themselves are not touched);</li>
 *   <li>a bucket is found by its size through an open-addressing hash table ({@link #bySize}): a request for a size
 *       that is cached is answered without any ordered search, which is the common case (the same sizes come
 *       back);</li>
 *   <li>only a request for a size not cached searches the ordered map of sizes ({@link #sizes}, one entry per
 *       distinct size, not per buffer), skipping and dropping buckets that went empty on the way.</li>
 * </ul>
 * A buffer records its bucket ({@link BufferBlock#indexBucket}), so membership and removal need no hash lookup.
 * Guarded by the allocator lock.
 */
final class CachedBufferIndex implements Iterable<BufferBlock> {
    /** Buffers of one size, sorted by address in {@code blocks[lo..hi)}. */
    static final class Bucket {
        final long size;
        BufferBlock[] blocks = new BufferBlock[4];
        int lo = 2;
        int hi = 2;
        /** Whether the bucket is in {@link #sizes} (kept there while empty until a search or a sweep drops it). */
        boolean ordered;

        Bucket(long size) {
            this.size = size;
        }

        int count() {
            return hi - lo;
        }
    }

    private final SizeTable bySize = new SizeTable();
    private final TreeMap<Long, Bucket> sizes = new TreeMap<>();
    private int count;

    int size() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** The best fit for {@code size}: the lowest-addressed buffer of the smallest cached size {@code >= size}. */
    BufferBlock ceiling(long size) {
        Bucket exact = bySize.get(size);
        if (exact != null && exact.hi > exact.lo) {
            return exact.blocks[exact.lo];
        }
        for (Iterator<Bucket> it = sizes.tailMap(size, true).values().iterator(); it.hasNext(); ) {
            Bucket b = it.next();
            if (b.hi > b.lo) {
                return b.blocks[b.lo];
            }
            // an empty bucket on the way: drop it, so later searches do not step over it again
            it.remove();
            b.ordered = false;
            bySize.remove(b.size);
        }
        return null;
    }

    /** Adds a buffer; false if it is already cached. */
    boolean add(BufferBlock block) {
        if (block.indexBucket != null) {
            return false;
        }
        Bucket b = bySize.get(block.size);
        if (b == null) {
            if (bySize.size() > 2 * count + 64) {
                sweepEmptyBuckets();
            }
            b = new Bucket(block.size);
            bySize.put(b);
        }
        if (!b.ordered) {
            sizes.put(b.size, b);
            b.ordered = true;
        }
        insert(b, block);
        block.indexBucket = b;
        count++;
        return true;
    }

    /** Removes a buffer; false if it is not cached. */
    boolean remove(BufferBlock block) {
        Bucket b = block.indexBucket;
        if (b == null) {
            return false;
        }
        BufferBlock[] a = b.blocks;
        int i = b.lo;
        if (a[i] == block) {
            // the lowest address: what a recycle takes
            a[b.lo++] = null;
        } else {
            i = find(b, block.address);
            if (i < 0) {
                throw new IllegalStateException("cached buffer index out of sync for buffer #" + block.id);
            }
            removeAt(b, i);
        }
        if (b.hi == b.lo) {
            b.lo = b.hi = a.length / 2; // recentre the empty bucket
        }
        block.indexBucket = null;
        count--;
        return true;
    }

    private static void removeAt(Bucket b, int i) {
        BufferBlock[] a = b.blocks;
        if (i - b.lo < b.hi - 1 - i) {
            // shift the lower part up by one
            System.arraycopy(a, b.lo, a, b.lo + 1, i - b.lo);
            a[b.lo++] = null;
        } else {
            System.arraycopy(a, i + 1, a, i, b.hi - 1 - i);
            a[--b.hi] = null;
        }
    }

    /** The slot of the buffer at {@code address} in the bucket, or -1. */
    private static int find(Bucket b, long address) {
        BufferBlock[] a = b.blocks;
        int l = b.lo;
        int h = b.hi - 1;
        while (l <= h) {
            int m = (l + h) >>> 1;
            long am = a[m].address;
            if (am < address) {
                l = m + 1;
            } else if (am > address) {
                h = m - 1;
            } else {
                return m;
            }
        }
        return -1;
    }

    /** Every cached buffer in (size, address) order, as a new list (safe to release from while walking it). */
    List<BufferBlock> ordered() {
        List<BufferBlock> out = new ArrayList<>(count);
        for (Bucket b : sizes.values()) {
            for (int i = b.lo; i < b.hi; i++) {
                out.add(b.blocks[i]);
            }
        }
        return out;
    }

    /** Every cached buffer in descending (size, address) order, as a new list. */
    List<BufferBlock> descending() {
        List<BufferBlock> out = ordered();
        Collections.reverse(out);
        return out;
    }

    /** Iterates in (size, address) order over a snapshot. */
    @Override
    public Iterator<BufferBlock> iterator() {
        return ordered().iterator();
    }

    private static void insert(Bucket b, BufferBlock block) {
        long address = block.address;
        if (b.lo == 0 && b.hi == b.blocks.length) {
            grow(b);
        }
        BufferBlock[] a = b.blocks;
        // where it goes: after every lower address (most frees land at either end)
        int pos;
        if (b.hi == b.lo || a[b.hi - 1].address < address) {
            pos = b.hi;
        } else if (a[b.lo].address > address) {
            pos = b.lo;
        } else {
            int l = b.lo;
            int h = b.hi;
            while (l < h) {
                int m = (l + h) >>> 1;
                if (a[m].address < address) {
                    l = m + 1;
                } else {
                    h = m;
                }
            }
            pos = l;
        }
        boolean roomBelow = b.lo > 0;
        boolean roomAbove = b.hi < a.length;
        if (pos == b.lo && roomBelow) {
            // a new lowest address (also: back into an empty bucket)
            a[--b.lo] = block;
            return;
        }
        if (pos == b.hi && roomAbove) {
            a[b.hi++] = block;
            return;
        }
        if (roomBelow && (!roomAbove || pos - b.lo < b.hi - pos)) {
            // shift the lower part down by one
            System.arraycopy(a, b.lo, a, b.lo - 1, pos - b.lo);
            b.lo--;
            pos--;
        } else {
            System.arraycopy(a, pos, a, pos + 1, b.hi - pos);
            b.hi++;
        }
        a[pos] = block;
    }

    /** Doubles the bucket's array, recentring its contents; called when it is full (lo == 0, hi == length). */
    private static void grow(Bucket b) {
        int n = b.count();
        BufferBlock[] a = new BufferBlock[b.blocks.length * 2];
        int lo = (a.length - n) / 2;
        System.arraycopy(b.blocks, b.lo, a, lo, n);
        b.blocks = a;
        b.lo = lo;
        b.hi = lo + n;
    }

    /** Drops every empty bucket (bounds the memory that sizes no longer cached would keep). */
    private void sweepEmptyBuckets() {
        for (Iterator<Map.Entry<Long, Bucket>> it = sizes.entrySet().iterator(); it.hasNext(); ) {
            Bucket b = it.next().getValue();
            if (b.hi == b.lo) {
                it.remove();
                b.ordered = false;
                bySize.remove(b.size);
            }
        }
    }

    /** Open-addressing hash table of buckets by size (linear probing, backward-shift deletion). */
    static final class SizeTable {
        private Bucket[] table = new Bucket[16];
        private int size;

        int size() {
            return size;
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }

        Bucket get(long key) {
            Bucket[] t = table;
            int mask = t.length - 1;
            for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
                Bucket b = t[i];
                if (b == null || b.size == key) {
                    return b;
                }
            }
        }

        void put(Bucket bucket) {
            if ((size + 1) * 2 > table.length) {
                Bucket[] old = table;
                table = new Bucket[old.length * 2];
                for (Bucket b : old) {
                    if (b != null) {
                        place(b);
                    }
                }
            }
            place(bucket);
            size++;
        }

        private void place(Bucket bucket) {
            int mask = table.length - 1;
            int i = hash(bucket.size) & mask;
            while (table[i] != null) {
                i = (i + 1) & mask;
            }
            table[i] = bucket;
        }

        void remove(long key) {
            Bucket[] t = table;
            int mask = t.length - 1;
            int i = hash(key) & mask;
            while (t[i] != null && t[i].size != key) {
                i = (i + 1) & mask;
            }
            if (t[i] == null) {
                return;
            }
            t[i] = null;
            size--;
            // backward-shift the rest of the cluster
            for (int j = (i + 1) & mask; t[j] != null; j = (j + 1) & mask) {
                int home = hash(t[j].size) & mask;
                // move t[j] to i if i lies cyclically in [home, j)
                if (((j - home) & mask) >= ((j - i) & mask)) {
                    t[i] = t[j];
                    t[j] = null;
                    i = j;
                }
            }
        }
    }
}

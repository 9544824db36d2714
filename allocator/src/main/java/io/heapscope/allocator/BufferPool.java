package io.heapscope.allocator;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/** The seed's {@code BufferPool}. Guarded by the allocator lock. */
final class BufferPool {
    final PoolKind kind;
    final int usage;
    /** Buffers of the pool, in use or cached. */
    int nBuffers;
    /** Bytes of all buffers of the pool. */
    long allocatedSize;
    /** Bytes of the cached (available) buffers. */
    long availableSize;
    /** Heaps ordered by available (not total) size. */
    final TreeSet<HeapBlock> heaps = new TreeSet<>(HeapBlock.BY_AVAILABLE);
    /** Cached buffers, not in use, ordered by (size, address). */
    final CachedBufferIndex availableBuffers = new CachedBufferIndex();
    /** Freed by the user but still retained by device work; returned to the pool once the device lets go. */
    final Set<BufferBlock> buffersPendingFree = new HashSet<>();
    /** Heaps whose available size must be refreshed once device work completes. */
    final Set<HeapBlock> heapsPendingUpdate = new HashSet<>();
    /**
     * Large-pool lookups made while the low watermark is enabled. Each cached buffer's seed {@code gc_count} is this
     * minus the tick at which it was cached (see {@link BufferBlock#agingTickWhenCached}).
     */
    long agingTick;
    /** Bytes of all heaps of the pool. */
    long heapBytes;

    BufferPool(PoolKind kind) {
        this.kind = kind;
        this.usage = kind.usage();
    }

    boolean isSmall() {
        return (usage & UsageFlags.SMALL) != 0;
    }

    boolean isShared() {
        return (usage & UsageFlags.SHARED) != 0;
    }

    boolean isScalar() {
        return (usage & UsageFlags.SCALAR) != 0;
    }

    int gcCount(BufferBlock b) {
        return (int) Math.min(Integer.MAX_VALUE, agingTick - b.agingTickWhenCached);
    }

    void makeAvailable(BufferBlock b) {
        if (!availableBuffers.add(b)) {
            throw new IllegalStateException("buffer #" + b.id + " is already cached in pool " + kind);
        }
        b.agingTickWhenCached = agingTick;
        availableSize += b.size;
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Buffer;
import io.heapscope.device.CpuCacheMode;
import io.heapscope.device.Device;
import io.heapscope.device.HazardTrackingMode;
import io.heapscope.device.Heap;
import io.heapscope.device.HeapDescriptor;
import io.heapscope.device.PurgeableState;
import io.heapscope.device.StorageMode;

import java.util.Comparator;

/** The seed's {@code HeapBlock}: one device heap owned by a pool. Guarded by the allocator lock. */
final class HeapBlock {
    /** Pool order: by available (not total) size, then by identity (the seed orders by heap pointer). */
    static final Comparator<HeapBlock> BY_AVAILABLE = (x, y) -> {
        int c = Long.compare(x.available, y.available);
        return c != 0 ? c : Long.compare(x.id, y.id);
    };

    Heap heap;
    final long total;
    long available;
    final BufferPool pool;
    int nBuffers;
    final long id;
    /** True when the heap sub-allocates several buffers; false for a single-buffer heap sized to its buffer. */
    final boolean isSplit;

    private HeapBlock(long size, Heap heap, BufferPool pool, long id, boolean isSplit) {
        this.total = size;
        this.available = size;
        this.heap = heap;
        this.pool = pool;
        this.id = id;
        this.isSplit = isSplit;
    }

    /** A search key ordering before every real heap with the same available size. */
    static HeapBlock searchKey(long size) {
        return new HeapBlock(size, null, null, Long.MIN_VALUE, true);
    }

    /** The heap size the seed's {@code createHeapBlock} asks for, and whether such a heap is split. */
    record Sizing(long heapSize, boolean split) {
    }

    static Sizing sizing(long size, boolean hasMemoryPressure, boolean hasUnifiedMemory) {
        long xlarge = hasUnifiedMemory ? SizeClasses.XLARGE_HEAP_UNIFIED : SizeClasses.XLARGE_HEAP_DISCRETE;
        if (size <= SizeClasses.MAX_SMALL_ALLOC) {
            return new Sizing(SizeClasses.SMALL_HEAP, true);
        } else if (size < SizeClasses.MIN_LARGE_ALLOC) {
            return new Sizing(SizeClasses.LARGE_HEAP, true);
        } else if (size < xlarge / 2 && !hasMemoryPressure) {
            return new Sizing(xlarge, true);
        }
        return new Sizing(SizeClasses.ROUND_LARGE * ((size + SizeClasses.ROUND_LARGE - 1) / SizeClasses.ROUND_LARGE), false);
    }

    /** {@code createHeapBlock}: a new heap of this sizing for the pool, or null when the device has no memory for it. */
    static HeapBlock create(Sizing sizing, BufferPool pool, Device device, int usage, long id) {
        HeapDescriptor d = new HeapDescriptor(sizing.heapSize(),
                (usage & UsageFlags.SHARED) != 0 ? StorageMode.SHARED : StorageMode.PRIVATE,
                CpuCacheMode.DEFAULT_CACHE,
                (usage & UsageFlags.HAZARD) != 0 ? HazardTrackingMode.TRACKED : HazardTrackingMode.UNTRACKED,
                UsageFlags.resourceOptions(usage));
        Heap heap = device.newHeap(d);
        if (heap == null) {
            return null;
        }
        heap.setPurgeableState(PurgeableState.NON_VOLATILE);
        return new HeapBlock(heap.maxAvailableSize(SizeClasses.PAGE_SIZE), heap, pool, id, sizing.split());
    }

    Buffer newBuffer(long length, int usage) {
        Buffer buffer = heap.newBuffer(length, UsageFlags.resourceOptions(usage));
        if (buffer != null) {
            updateAvailableSize();
            nBuffers++;
        }
        return buffer;
    }

    /** Releases the buffer; returns its retain count before the release. */
    int releaseBuffer(Buffer buffer) {
        int retainCount = buffer.retainCount();
        buffer.release();
        updateAvailableSize();
        nBuffers--;
        return retainCount;
    }

    /** Releases the heap; returns its retain count before the release. */
    int releaseHeap() {
        if (nBuffers != 0) {
            throw new IllegalStateException("heap #" + id + " still holds " + nBuffers + " buffers");
        }
        int retainCount = heap.retainCount();
        heap.setPurgeableState(PurgeableState.EMPTY);
        heap.release();
        heap = null;
        available = 0;
        return retainCount;
    }

    int retainCount() {
        return heap.retainCount();
    }

    void updateAvailableSize() {
        available = heap.maxAvailableSize(SizeClasses.PAGE_SIZE);
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Buffer;
import io.heapscope.device.DeviceEvent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Comparator;

/** The seed's {@code BufferBlock}: one device buffer owned by a pool. Guarded by the allocator lock. */
final class BufferBlock {
    /** Pool order: by size, then by buffer address (the seed's {@code BufferBlock::Comparator}). */
    static final Comparator<BufferBlock> BY_SIZE_THEN_ADDRESS =
            Comparator.comparingLong((BufferBlock b) -> b.size).thenComparingLong(BufferBlock::addressKey);

    final Buffer buffer;
    final HeapBlock heap;
    final long id;
    /** Device address, kept so it stays readable after the device buffer is released. */
    final long address;
    /** Size after alignment. */
    final long size;
    /** Size asked for by the current (or last) user. */
    long requestedSize;
    /**
     * The current ownership's scope and the CPU view bound to it, opened on the first {@code contents()} of this use
     * and closed when the owner frees the buffer (before anyone else can own it).
     */
    Arena scope;
    MemorySegment view;
    /** Set while a free closes the ownership scope outside the lock: the handle is no longer current. */
    boolean closing;
    long[] shape = NO_SHAPE;
    boolean inUse;
    /** Free requested but deferred (scalar pool, or buffer still retained by the device). */
    boolean freePending;
    int useCount;

    /** Handed out and owned now: in use, no free pending, no free closing its view. */
    boolean isOwned() {
        return inUse && !freePending && !closing;
    }
    /**
     * The pool's aging tick when this buffer last became available. The seed increments a gc_count on every cached
     * buffer at each large-pool lookup; we derive the same number as (pool tick - this), which costs O(1).
     */
    long agingTickWhenCached;
    /** The bucket of its pool's {@link CachedBufferIndex} holding it while cached, null otherwise. */
    CachedBufferIndex.Bucket indexBucket;
    /** Event used to sync CPU and device on a shared buffer; returned on free. */
    DeviceEvent event;

    static final long[] NO_SHAPE = new long[0];

    BufferBlock(long size, long requestedSize, Buffer buffer, HeapBlock heap, long id) {
        this.size = size;
        this.requestedSize = requestedSize;
        this.buffer = buffer;
        this.heap = heap;
        this.id = id;
        this.address = buffer == null ? Long.MIN_VALUE : buffer.address();
    }

    /** A search key: compares before every real buffer of the same size (address 0, as the seed's nullptr). */
    static BufferBlock searchKey(long size) {
        return new BufferBlock(size, 0, null, null, 0);
    }

    long address() {
        return address;
    }

    private long addressKey() {
        return address;
    }

    int retainCount() {
        return buffer.retainCount();
    }

    BufferPool pool() {
        return heap.pool;
    }
}

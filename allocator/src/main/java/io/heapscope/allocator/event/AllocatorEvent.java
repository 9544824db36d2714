package io.heapscope.allocator.event;

import io.heapscope.allocator.PoolKind;

/**
 * Something that happened in an allocator, one record type per {@link EventKind} with only the fields that mean
 * something for that kind. Built only when the verbosity flags select the kind and a listener wants it.
 *
 * <p>Every event names its allocator and pool, and carries the allocator-wide reserved bytes (all heaps) and in-use
 * bytes (buffers handed out) right after the event, so a consumer can draw memory over time from the events alone.
 */
public sealed interface AllocatorEvent {

    EventKind kind();

    AllocatorId allocator();

    PoolKind pool();

    /** Allocator-wide bytes of heaps after the event. */
    long totalReserved();

    /** Allocator-wide bytes handed out and not freed, after the event. */
    long totalInUse();

    /** What the four buffer events share: which buffer, where, how big, and its use and retain counts. */
    sealed interface BufferEvent extends AllocatorEvent permits BufferAllocated, BufferRecycled, BufferFreed,
            BufferReleased {
        long bufferId();

        long heapId();

        long address();

        long requestedSize();

        long alignedSize();

        int useCount();

        int retainCount();
    }

    /**
     * A new buffer carved from a heap.
     *
     * @param useCount      how many times the buffer has been handed out, this time included
     * @param retainCount   the device retain count (above 1: device work holds it)
     * @param heapAvailable bytes still placeable in the buffer's heap after the event
     */
    record BufferAllocated(AllocatorId allocator, PoolKind pool, long bufferId, long heapId, long address,
                           long requestedSize, long alignedSize, int useCount, int retainCount, long heapAvailable,
                           long totalReserved, long totalInUse) implements BufferEvent {
        @Override
        public EventKind kind() {
            return EventKind.BUFFER_ALLOCATED;
        }
    }

    /**
     * A cached buffer handed out again.
     *
     * @param gcAge large-pool allocation rounds the buffer spent idle in the cache
     */
    record BufferRecycled(AllocatorId allocator, PoolKind pool, long bufferId, long heapId, long address,
                          long requestedSize, long alignedSize, int useCount, int retainCount, int gcAge,
                          long totalReserved, long totalInUse) implements BufferEvent {
        @Override
        public EventKind kind() {
            return EventKind.BUFFER_RECYCLED;
        }
    }

    /**
     * A buffer returned by its user to its pool.
     *
     * @param retainCount the device retain count at the free; above 1 the buffer was parked as a pending free until
     *                    the device lets go of it
     */
    record BufferFreed(AllocatorId allocator, PoolKind pool, long bufferId, long heapId, long address,
                       long requestedSize, long alignedSize, int useCount, int retainCount, long totalReserved,
                       long totalInUse) implements BufferEvent {
        @Override
        public EventKind kind() {
            return EventKind.BUFFER_FREED;
        }
    }

    /**
     * A buffer given back to its heap (cache trimming, garbage collection, oversize policy, emptyCache).
     *
     * @param retainCount   the device retain count just before the release
     * @param heapAvailable bytes placeable in the heap after the release
     */
    record BufferReleased(AllocatorId allocator, PoolKind pool, long bufferId, long heapId, long address,
                          long requestedSize, long alignedSize, int useCount, int retainCount, int gcAge, long heapAvailable,
                          long totalReserved, long totalInUse) implements BufferEvent {
        @Override
        public EventKind kind() {
            return EventKind.BUFFER_RELEASED;
        }
    }

    /**
     * A new heap obtained from the device.
     *
     * @param requestedSize the buffer size the heap was created for
     * @param heapCount     heaps of the pool, this one included
     */
    record HeapAllocated(AllocatorId allocator, PoolKind pool, long heapId, long heapSize, long requestedSize,
                         int heapCount, int retainCount, long totalReserved, long totalInUse)
            implements AllocatorEvent {
        @Override
        public EventKind kind() {
            return EventKind.HEAP_ALLOCATED;
        }
    }

    /**
     * A heap given back to the device.
     *
     * @param heapCount   heaps left in the pool
     * @param retainCount the heap's retain count just before the release
     */
    record HeapReleased(AllocatorId allocator, PoolKind pool, long heapId, long heapSize, int heapCount,
                        int retainCount, long totalReserved, long totalInUse) implements AllocatorEvent {
        @Override
        public EventKind kind() {
            return EventKind.HEAP_RELEASED;
        }
    }

    /**
     * A garbage-collection pass over the pool's cached buffers under memory pressure.
     *
     * @param targetBytes bytes it tried to reclaim (to get below the low watermark)
     */
    record GarbageCollection(AllocatorId allocator, PoolKind pool, long freedBuffers, long reclaimedBytes,
                             long targetBytes, long totalReserved, long totalInUse) implements AllocatorEvent {
        @Override
        public EventKind kind() {
            return EventKind.GARBAGE_COLLECTION;
        }
    }

    /**
     * An allocation that ended in an out-of-memory error.
     *
     * @param highWatermark true when the high watermark limit is enabled (the message then names it)
     * @param message       the exception's message
     */
    record AllocationFailed(AllocatorId allocator, PoolKind pool, long requestedSize, long alignedSize,
                            boolean highWatermark, String message, long totalReserved, long totalInUse)
            implements AllocatorEvent {
        @Override
        public EventKind kind() {
            return EventKind.ALLOCATION_FAILED;
        }
    }

    /**
     * The device's allocated size crossed the low watermark limit: pressure entered, or left.
     *
     * @param deviceAllocated bytes the device has allocated for the process at the crossing
     */
    record MemoryPressure(AllocatorId allocator, PoolKind pool, boolean entered, long lowWatermarkLimit,
                          long deviceAllocated, long totalReserved, long totalInUse) implements AllocatorEvent {
        @Override
        public EventKind kind() {
            return EventKind.MEMORY_PRESSURE;
        }
    }
}

package io.heapscope.allocator;

import io.heapscope.telemetry.MemoryEvent;
import io.heapscope.telemetry.MemoryEventKind;
import io.heapscope.telemetry.MemoryEventRouter;

/**
 * Where every allocation, recycle, free and release of the allocator passes. Each method first asks the router
 * whether anyone wants the event (a flag test), and only then builds it; telemetry sinks (log lines, JFR, OTel)
 * hang off the router. Called with the allocator lock held.
 */
final class AllocatorEvents {
    private final MemoryEventRouter router;
    private final HeapAllocator allocator;

    AllocatorEvents(MemoryEventRouter router, HeapAllocator allocator) {
        this.router = router;
        this.allocator = allocator;
    }

    private MemoryEvent.Builder buffer(MemoryEventKind kind, BufferBlock b) {
        BufferPool pool = b.pool();
        return MemoryEvent.builder(kind)
                .pool(pool.kind.name())
                .smallPool(pool.isSmall())
                .storageMode(pool.kind.storageName())
                .bufferId(b.id)
                .heapId(b.heap.id)
                .requestedSize(b.requestedSize)
                .alignedSize(b.size)
                .useCount(b.useCount)
                .heapAvailable(b.heap.available)
                .totalReserved(allocator.reservedBytes())
                .totalInUse(allocator.inUseBytes());
    }

    void bufferAllocated(BufferBlock b) {
        if (router.isEnabled(MemoryEventKind.BUFFER_ALLOCATED, b.pool().isSmall())) {
            router.emit(buffer(MemoryEventKind.BUFFER_ALLOCATED, b).address(b.address())
                    .retainCount(b.retainCount()).build());
        }
    }

    void bufferRecycled(BufferBlock b, int gcAge) {
        if (router.isEnabled(MemoryEventKind.BUFFER_RECYCLED, b.pool().isSmall())) {
            router.emit(buffer(MemoryEventKind.BUFFER_RECYCLED, b).address(b.address())
                    .retainCount(b.retainCount()).gcAge(gcAge).build());
        }
    }

    void bufferFreed(BufferBlock b) {
        if (router.isEnabled(MemoryEventKind.BUFFER_FREED, b.pool().isSmall())) {
            router.emit(buffer(MemoryEventKind.BUFFER_FREED, b).address(b.address())
                    .retainCount(b.retainCount()).build());
        }
    }

    boolean wantsRelease(BufferBlock b) {
        return router.isEnabled(MemoryEventKind.BUFFER_RELEASED, b.pool().isSmall());
    }

    /** After the device buffer was released: its address and retain count were read before. */
    void bufferReleased(BufferBlock b, long address, int retainCountBefore, int gcAge) {
        router.emit(buffer(MemoryEventKind.BUFFER_RELEASED, b).address(address).retainCount(retainCountBefore)
                .gcAge(gcAge).build());
    }

    private MemoryEvent.Builder heap(MemoryEventKind kind, HeapBlock h) {
        return MemoryEvent.builder(kind)
                .pool(h.pool.kind.name())
                .smallPool(h.pool.isSmall())
                .storageMode(h.pool.kind.storageName())
                .heapId(h.id)
                .requestedSize(h.total)
                .alignedSize(h.total)
                .heapAvailable(h.available)
                .count(h.pool.heaps.size())
                .totalReserved(allocator.reservedBytes())
                .totalInUse(allocator.inUseBytes());
    }

    void heapAllocated(HeapBlock h, long requestedSize) {
        if (router.isEnabled(MemoryEventKind.HEAP_ALLOCATED, h.pool.isSmall())) {
            router.emit(heap(MemoryEventKind.HEAP_ALLOCATED, h).requestedSize(requestedSize)
                    .count(h.pool.heaps.size() + 1).retainCount(h.retainCount()).build());
        }
    }

    void heapReleased(HeapBlock h, int retainCountBefore) {
        if (router.isEnabled(MemoryEventKind.HEAP_RELEASED, h.pool.isSmall())) {
            router.emit(heap(MemoryEventKind.HEAP_RELEASED, h).retainCount(retainCountBefore).build());
        }
    }

    void garbageCollected(BufferPool pool, long freedCount, long reclaimed, long target) {
        if (router.isEnabled(MemoryEventKind.GARBAGE_COLLECTION, pool.isSmall())) {
            router.emit(MemoryEvent.builder(MemoryEventKind.GARBAGE_COLLECTION)
                    .pool(pool.kind.name())
                    .smallPool(pool.isSmall())
                    .storageMode(pool.kind.storageName())
                    .count(freedCount)
                    .reclaimedBytes(reclaimed)
                    .targetBytes(target)
                    .totalReserved(allocator.reservedBytes())
                    .totalInUse(allocator.inUseBytes())
                    .build());
        }
    }

    void allocationFailed(BufferPool pool, long requested, long aligned, boolean highWatermark, String message) {
        if (router.isEnabled(MemoryEventKind.ALLOCATION_FAILED, pool.isSmall())) {
            router.emit(MemoryEvent.builder(MemoryEventKind.ALLOCATION_FAILED)
                    .pool(pool.kind.name())
                    .smallPool(pool.isSmall())
                    .storageMode(pool.kind.storageName())
                    .requestedSize(requested)
                    .alignedSize(aligned)
                    .pressure(highWatermark)
                    .message(message)
                    .totalReserved(allocator.reservedBytes())
                    .totalInUse(allocator.inUseBytes())
                    .build());
        }
    }

    void memoryPressure(BufferPool pool, boolean entered, long lowWatermarkLimit, long deviceAllocated) {
        if (router.isEnabled(MemoryEventKind.MEMORY_PRESSURE, pool.isSmall())) {
            router.emit(MemoryEvent.builder(MemoryEventKind.MEMORY_PRESSURE)
                    .pool(pool.kind.name())
                    .smallPool(pool.isSmall())
                    .storageMode(pool.kind.storageName())
                    .pressure(entered)
                    .targetBytes(lowWatermarkLimit)
                    .alignedSize(deviceAllocated)
                    .totalReserved(allocator.reservedBytes())
                    .totalInUse(allocator.inUseBytes())
                    .build());
        }
    }
}

package io.heapscope.telemetry.jfr;

import io.heapscope.telemetry.MemoryEvent;
import io.heapscope.telemetry.MemoryEventSink;

/**
 * Commits each memory event as its JFR event ({@code heapscope.*}). Events whose JFR type is disabled in the running
 * recordings cost an allocation and a flag test. Stack traces come from the thread that caused the event, as
 * configured per event type in the recording settings (see {@code heapscope.jfc}).
 */
public final class JfrMemoryEventSink implements MemoryEventSink {

    @Override
    public void accept(MemoryEvent e) {
        switch (e.kind()) {
            case BUFFER_ALLOCATED -> buffer(new BufferAllocatedEvent(), e);
            case BUFFER_RECYCLED -> buffer(new BufferRecycledEvent(), e);
            case BUFFER_FREED -> buffer(new BufferFreedEvent(), e);
            case BUFFER_RELEASED -> buffer(new BufferReleasedEvent(), e);
            case HEAP_ALLOCATED -> {
                HeapAllocatedEvent j = new HeapAllocatedEvent();
                if (j.shouldCommit()) {
                    j.requestedSize = e.requestedSize();
                    heap(j, e);
                }
            }
            case HEAP_RELEASED -> heap(new HeapReleasedEvent(), e);
            case GARBAGE_COLLECTION -> {
                GarbageCollectionEvent j = new GarbageCollectionEvent();
                if (j.shouldCommit()) {
                    common(j, e);
                    j.freedBuffers = e.count();
                    j.reclaimedBytes = e.reclaimedBytes();
                    j.targetBytes = e.targetBytes();
                    j.commit();
                }
            }
            case ALLOCATION_FAILED -> {
                AllocationFailedEvent j = new AllocationFailedEvent();
                if (j.shouldCommit()) {
                    common(j, e);
                    j.requestedSize = e.requestedSize();
                    j.alignedSize = e.alignedSize();
                    j.highWatermark = e.pressure();
                    j.message = e.message();
                    j.commit();
                }
            }
            case MEMORY_PRESSURE -> {
                MemoryPressureEvent j = new MemoryPressureEvent();
                if (j.shouldCommit()) {
                    common(j, e);
                    j.entered = e.pressure();
                    j.lowWatermarkLimit = e.targetBytes();
                    j.deviceAllocated = e.alignedSize();
                    j.commit();
                }
            }
            case POOL_STATISTICS -> {
                // periodic: emitted by JfrPoolStatistics from allocator snapshots, not from single events
            }
        }
    }

    private static void common(HeapscopeEvent j, MemoryEvent e) {
        j.framework = e.framework();
        j.pool = e.pool();
        j.storageMode = e.storageMode();
        j.totalReserved = e.totalReserved();
        j.totalInUse = e.totalInUse();
    }

    private static void buffer(BufferEvent j, MemoryEvent e) {
        if (!j.shouldCommit()) {
            return;
        }
        common(j, e);
        j.bufferId = e.bufferId();
        j.heapId = e.heapId();
        j.requestedSize = e.requestedSize();
        j.alignedSize = e.alignedSize();
        j.address = e.address();
        j.useCount = e.useCount();
        j.retainCount = e.retainCount();
        j.gcAge = e.gcAge();
        j.heapAvailable = e.heapAvailable();
        j.commit();
    }

    private static void heap(HeapEvent j, MemoryEvent e) {
        if (!j.shouldCommit()) {
            return;
        }
        common(j, e);
        j.heapId = e.heapId();
        j.heapSize = e.alignedSize();
        j.heapAvailable = e.heapAvailable();
        j.heapCount = e.count();
        j.retainCount = e.retainCount();
        j.commit();
    }
}

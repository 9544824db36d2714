package io.heapscope.telemetry.jfr;

import io.heapscope.allocator.event.AllocatorEvent;
import io.heapscope.allocator.event.AllocatorListener;
import io.heapscope.allocator.event.EventKind;

/**
 * Commits each allocator event as its JFR event ({@code heapscope.*}). {@link #isEnabled} answers from the JFR
 * event type's own enablement (a static event instance, as Netty 4.2's {@code AllocateBufferEvent} guards do), so
 * with no recording running, or the type disabled in it, the allocator builds nothing.
 */
public final class JfrAllocatorListener implements AllocatorListener {
    // instances used only to ask whether their type is enabled in any running recording
    private static final BufferAllocatedEvent ALLOCATED = new BufferAllocatedEvent();
    private static final BufferRecycledEvent RECYCLED = new BufferRecycledEvent();
    private static final BufferFreedEvent FREED = new BufferFreedEvent();
    private static final BufferReleasedEvent RELEASED = new BufferReleasedEvent();
    private static final HeapAllocatedEvent HEAP_ALLOCATED = new HeapAllocatedEvent();
    private static final HeapReleasedEvent HEAP_RELEASED = new HeapReleasedEvent();
    private static final GarbageCollectionEvent GC = new GarbageCollectionEvent();
    private static final AllocationFailedEvent FAILED = new AllocationFailedEvent();
    private static final MemoryPressureEvent PRESSURE = new MemoryPressureEvent();

    @Override
    public boolean isEnabled(EventKind kind) {
        return switch (kind) {
            case BUFFER_ALLOCATED -> ALLOCATED.isEnabled();
            case BUFFER_RECYCLED -> RECYCLED.isEnabled();
            case BUFFER_FREED -> FREED.isEnabled();
            case BUFFER_RELEASED -> RELEASED.isEnabled();
            case HEAP_ALLOCATED -> HEAP_ALLOCATED.isEnabled();
            case HEAP_RELEASED -> HEAP_RELEASED.isEnabled();
            case GARBAGE_COLLECTION -> GC.isEnabled();
            case ALLOCATION_FAILED -> FAILED.isEnabled();
            case MEMORY_PRESSURE -> PRESSURE.isEnabled();
        };
    }

    @Override
    public void onEvent(AllocatorEvent event) {
        switch (event) {
            case AllocatorEvent.BufferAllocated e -> {
                BufferAllocatedEvent j = new BufferAllocatedEvent();
                if (j.shouldCommit()) {
                    j.setBuffer(e);
                    j.heapAvailable = e.heapAvailable();
                    j.commit();
                }
            }
            case AllocatorEvent.BufferRecycled e -> {
                BufferRecycledEvent j = new BufferRecycledEvent();
                if (j.shouldCommit()) {
                    j.setBuffer(e);
                    j.gcAge = e.gcAge();
                    j.commit();
                }
            }
            case AllocatorEvent.BufferFreed e -> {
                BufferFreedEvent j = new BufferFreedEvent();
                if (j.shouldCommit()) {
                    j.setBuffer(e);
                    j.commit();
                }
            }
            case AllocatorEvent.BufferReleased e -> {
                BufferReleasedEvent j = new BufferReleasedEvent();
                if (j.shouldCommit()) {
                    j.setBuffer(e);
                    j.gcAge = e.gcAge();
                    j.heapAvailable = e.heapAvailable();
                    j.commit();
                }
            }
            case AllocatorEvent.HeapAllocated e -> {
                HeapAllocatedEvent j = new HeapAllocatedEvent();
                if (j.shouldCommit()) {
                    j.setCommon(e);
                    j.heapId = e.heapId();
                    j.heapSize = e.heapSize();
                    j.requestedSize = e.requestedSize();
                    j.heapCount = e.heapCount();
                    j.retainCount = e.retainCount();
                    j.commit();
                }
            }
            case AllocatorEvent.HeapReleased e -> {
                HeapReleasedEvent j = new HeapReleasedEvent();
                if (j.shouldCommit()) {
                    j.setCommon(e);
                    j.heapId = e.heapId();
                    j.heapSize = e.heapSize();
                    j.heapCount = e.heapCount();
                    j.retainCount = e.retainCount();
                    j.commit();
                }
            }
            case AllocatorEvent.GarbageCollection e -> {
                GarbageCollectionEvent j = new GarbageCollectionEvent();
                if (j.shouldCommit()) {
                    j.setCommon(e);
                    j.freedBuffers = e.freedBuffers();
                    j.reclaimedBytes = e.reclaimedBytes();
                    j.targetBytes = e.targetBytes();
                    j.commit();
                }
            }
            case AllocatorEvent.AllocationFailed e -> {
                AllocationFailedEvent j = new AllocationFailedEvent();
                if (j.shouldCommit()) {
                    j.setCommon(e);
                    j.requestedSize = e.requestedSize();
                    j.alignedSize = e.alignedSize();
                    j.highWatermark = e.highWatermark();
                    j.message = e.message();
                    j.commit();
                }
            }
            case AllocatorEvent.MemoryPressure e -> {
                MemoryPressureEvent j = new MemoryPressureEvent();
                if (j.shouldCommit()) {
                    j.setCommon(e);
                    j.entered = e.entered();
                    j.lowWatermarkLimit = e.lowWatermarkLimit();
                    j.deviceAllocated = e.deviceAllocated();
                    j.commit();
                }
            }
        }
    }
}

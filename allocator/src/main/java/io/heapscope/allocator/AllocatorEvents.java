package io.heapscope.allocator;

import io.heapscope.allocator.event.AllocatorEvent;
import io.heapscope.allocator.event.AllocatorId;
import io.heapscope.allocator.event.AllocatorListener;
import io.heapscope.allocator.event.EventKind;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where every event of the allocator starts. Under the allocator lock, each method first tests whether anyone wants
 * the event (the verbosity mask, then each listener's {@link AllocatorListener#isEnabled}), and only then builds the
 * typed record and queues it in the {@link PendingWork}; the allocator delivers the queue after unlocking.
 */
final class AllocatorEvents {
    private static final AllocatorListener[] NONE = new AllocatorListener[0];

    private final AllocatorId id;
    private final HeapAllocator allocator;
    private final PendingWork pending;
    private final LongAdder failures = new LongAdder();
    private volatile int verbosity;
    private volatile AllocatorListener[] listeners = NONE;

    AllocatorEvents(AllocatorId id, HeapAllocator allocator, PendingWork pending, int verbosity) {
        this.id = id;
        this.allocator = allocator;
        this.pending = pending;
        this.verbosity = verbosity;
    }

    int verbosity() {
        return verbosity;
    }

    void setVerbosity(int mask) {
        verbosity = mask;
    }

    synchronized void add(AllocatorListener listener) {
        Objects.requireNonNull(listener, "listener");
        AllocatorListener[] next = Arrays.copyOf(listeners, listeners.length + 1);
        next[next.length - 1] = listener;
        listeners = next;
    }

    synchronized boolean remove(AllocatorListener listener) {
        AllocatorListener[] cur = listeners;
        for (int i = 0; i < cur.length; i++) {
            if (cur[i] == listener) {
                AllocatorListener[] next = new AllocatorListener[cur.length - 1];
                System.arraycopy(cur, 0, next, 0, i);
                System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                listeners = next;
                return true;
            }
        }
        return false;
    }

    AllocatorListener[] listeners() {
        return listeners.clone();
    }

    long failures() {
        return failures.sum();
    }

    /** The hot-path test: flags first (SILENT stops here), then whether any listener wants the kind. */
    boolean wants(EventKind kind, boolean smallPool) {
        int mask = verbosity;
        if (mask == 0 || !kind.isSelectedBy(mask, smallPool)) {
            return false;
        }
        for (AllocatorListener l : listeners) {
            if (enabled(l, kind)) {
                return true;
            }
        }
        return false;
    }

    private boolean enabled(AllocatorListener l, EventKind kind) {
        try {
            return l.isEnabled(kind);
        } catch (RuntimeException | LinkageError e) {
            failures.increment();
            return false;
        }
    }

    /** Delivers one queued event to every listener that wants its kind; called outside the lock. */
    void deliver(AllocatorEvent event) {
        EventKind kind = event.kind();
        for (AllocatorListener l : listeners) {
            try {
                if (l.isEnabled(kind)) {
                    l.onEvent(event);
                }
            } catch (RuntimeException | LinkageError e) {
                failures.increment();
            }
        }
    }

    private long reserved() {
        return allocator.reservedBytes();
    }

    private long inUse() {
        return allocator.inUseBytes();
    }

    void bufferAllocated(BufferBlock b) {
        BufferPool pool = b.pool();
        if (wants(EventKind.BUFFER_ALLOCATED, pool.isSmall())) {
            pending.add(new AllocatorEvent.BufferAllocated(id, pool.kind, b.id, b.heap.id, b.address(),
                    b.requestedSize, b.size, b.useCount, b.retainCount(), b.heap.available, reserved(), inUse()));
        }
    }

    void bufferRecycled(BufferBlock b, int gcAge) {
        BufferPool pool = b.pool();
        if (wants(EventKind.BUFFER_RECYCLED, pool.isSmall())) {
            pending.add(new AllocatorEvent.BufferRecycled(id, pool.kind, b.id, b.heap.id, b.address(),
                    b.requestedSize, b.size, b.useCount, b.retainCount(), gcAge, reserved(), inUse()));
        }
    }

    void bufferFreed(BufferBlock b, int retainCount) {
        BufferPool pool = b.pool();
        if (wants(EventKind.BUFFER_FREED, pool.isSmall())) {
            pending.add(new AllocatorEvent.BufferFreed(id, pool.kind, b.id, b.heap.id, b.address(),
                    b.requestedSize, b.size, b.useCount, retainCount, reserved(), inUse()));
        }
    }

    boolean wantsRelease(BufferBlock b) {
        return wants(EventKind.BUFFER_RELEASED, b.pool().isSmall());
    }

    /** After the device buffer was released: its address and retain count were read before. */
    void bufferReleased(BufferBlock b, long address, int retainCountBefore, int gcAge) {
        pending.add(new AllocatorEvent.BufferReleased(id, b.pool().kind, b.id, b.heap.id, address, b.requestedSize, b.size,
                b.useCount, retainCountBefore, gcAge, b.heap.available, reserved(), inUse()));
    }

    void heapAllocated(HeapBlock h, long requestedSize) {
        if (wants(EventKind.HEAP_ALLOCATED, h.pool.isSmall())) {
            pending.add(new AllocatorEvent.HeapAllocated(id, h.pool.kind, h.id, h.total, requestedSize,
                    h.pool.heaps.size() + 1, h.retainCount(), reserved(), inUse()));
        }
    }

    void heapReleased(HeapBlock h, int retainCountBefore) {
        if (wants(EventKind.HEAP_RELEASED, h.pool.isSmall())) {
            pending.add(new AllocatorEvent.HeapReleased(id, h.pool.kind, h.id, h.total, h.pool.heaps.size(),
                    retainCountBefore, reserved(), inUse()));
        }
    }

    void garbageCollected(BufferPool pool, long freedCount, long reclaimed, long target) {
        if (wants(EventKind.GARBAGE_COLLECTION, pool.isSmall())) {
            pending.add(new AllocatorEvent.GarbageCollection(id, pool.kind, freedCount, reclaimed, target,
                    reserved(), inUse()));
        }
    }

    void allocationFailed(BufferPool pool, long requested, long aligned, boolean highWatermark, String message) {
        if (wants(EventKind.ALLOCATION_FAILED, pool.isSmall())) {
            pending.add(new AllocatorEvent.AllocationFailed(id, pool.kind, requested, aligned, highWatermark, message,
                    reserved(), inUse()));
        }
    }

    void memoryPressure(BufferPool pool, boolean entered, long lowWatermarkLimit, long deviceAllocated) {
        if (wants(EventKind.MEMORY_PRESSURE, pool.isSmall())) {
            pending.add(new AllocatorEvent.MemoryPressure(id, pool.kind, entered, lowWatermarkLimit, deviceAllocated,
                    reserved(), inUse()));
        }
    }
}

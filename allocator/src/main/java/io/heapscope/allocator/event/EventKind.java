package io.heapscope.allocator.event;

import io.heapscope.allocator.DebugVerbosity;

/**
 * The kinds of {@link AllocatorEvent}. Each is gated by one of the seed's verbosity flags ({@link #flag()}); a kind
 * gated by {@code null} is emitted whenever any flag is set.
 */
public enum EventKind {
    /** A new buffer carved from a heap. */
    BUFFER_ALLOCATED(DebugVerbosity.ALLOCATIONS),
    /** A cached buffer handed out again. */
    BUFFER_RECYCLED(DebugVerbosity.RECYCLES),
    /** A buffer returned by its user to its pool (or parked until the device lets go of it). */
    BUFFER_FREED(DebugVerbosity.RELEASES),
    /** A buffer given back to its heap. */
    BUFFER_RELEASED(DebugVerbosity.RELEASES),
    /** A new heap obtained from the device. */
    HEAP_ALLOCATED(DebugVerbosity.ALLOCATIONS),
    /** A heap given back to the device. */
    HEAP_RELEASED(DebugVerbosity.RELEASES),
    /** A garbage-collection pass over cached buffers. */
    GARBAGE_COLLECTION(DebugVerbosity.RELEASES),
    /** An allocation that failed: out of memory or high watermark reached. */
    ALLOCATION_FAILED(null),
    /** Allocation crossed the low watermark (memory pressure entered) or came back below it (left). */
    MEMORY_PRESSURE(DebugVerbosity.PROFILING);

    private final DebugVerbosity flag;

    EventKind(DebugVerbosity flag) {
        this.flag = flag;
    }

    /** The verbosity flag that enables this kind, or null when any non-zero mask enables it. */
    public DebugVerbosity flag() {
        return flag;
    }

    /**
     * True if a verbosity mask asks for events of this kind from a pool of this size class. LARGE_ONLY drops
     * small-pool buffer and heap events; failures and pressure changes always pass.
     */
    public boolean isSelectedBy(int mask, boolean smallPool) {
        if (mask == 0 || (flag != null && (mask & flag.bit()) == 0)) {
            return false;
        }
        return !smallPool || flag == null || this == MEMORY_PRESSURE || (mask & DebugVerbosity.LARGE_ONLY.bit()) == 0;
    }
}

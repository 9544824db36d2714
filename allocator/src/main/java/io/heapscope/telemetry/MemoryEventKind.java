package io.heapscope.telemetry;

import io.heapscope.allocator.DebugVerbosity;

/**
 * What happened to memory. Each kind is gated by one of the seed's verbosity flags ({@link #flag()}); kinds gated by
 * {@code null} are emitted whenever any flag is set.
 */
public enum MemoryEventKind {
    /** A new buffer carved from a heap, or (agent) new memory obtained from a framework. */
    BUFFER_ALLOCATED(DebugVerbosity.ALLOCATIONS),
    /** A cached buffer handed out again. */
    BUFFER_RECYCLED(DebugVerbosity.RECYCLES),
    /** A buffer returned by its user to its pool or cache. */
    BUFFER_FREED(DebugVerbosity.RELEASES),
    /** A buffer given back to its heap or to the system. */
    BUFFER_RELEASED(DebugVerbosity.RELEASES),
    /** A new heap (or framework chunk) obtained from the device or system. */
    HEAP_ALLOCATED(DebugVerbosity.ALLOCATIONS),
    /** A heap (or framework chunk) given back to the device or system. */
    HEAP_RELEASED(DebugVerbosity.RELEASES),
    /** A garbage-collection pass over cached buffers. */
    GARBAGE_COLLECTION(DebugVerbosity.RELEASES),
    /** An allocation that failed: out of memory or high watermark reached. */
    ALLOCATION_FAILED(null),
    /** Allocation crossed the low watermark (memory pressure entered) or came back below it (left). */
    MEMORY_PRESSURE(DebugVerbosity.PROFILING),
    /** Periodic per-pool statistics. */
    POOL_STATISTICS(DebugVerbosity.PROFILING);

    private final DebugVerbosity flag;

    MemoryEventKind(DebugVerbosity flag) {
        this.flag = flag;
    }

    /** The verbosity flag that enables this kind, or null when any non-zero mask enables it. */
    public DebugVerbosity flag() {
        return flag;
    }
}

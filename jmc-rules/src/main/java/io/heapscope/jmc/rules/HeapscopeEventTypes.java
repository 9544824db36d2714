package io.heapscope.jmc.rules;

/** Identifiers of the JFR event types the rules read (see docs/telemetry.md and docs/jmc-rules.md). */
public final class HeapscopeEventTypes {
    /** Every Heapscope event type starts with this. */
    public static final String PREFIX = "heapscope.";

    public static final String BUFFER_ALLOCATED = "heapscope.BufferAllocated";
    public static final String BUFFER_RECYCLED = "heapscope.BufferRecycled";
    public static final String BUFFER_FREED = "heapscope.BufferFreed";
    public static final String BUFFER_RELEASED = "heapscope.BufferReleased";
    public static final String HEAP_ALLOCATED = "heapscope.HeapAllocated";
    public static final String HEAP_RELEASED = "heapscope.HeapReleased";
    public static final String GARBAGE_COLLECTION = "heapscope.GarbageCollection";
    public static final String ALLOCATION_FAILED = "heapscope.AllocationFailed";
    public static final String MEMORY_PRESSURE = "heapscope.MemoryPressure";
    public static final String POOL_STATISTICS = "heapscope.PoolStatistics";

    private HeapscopeEventTypes() {
    }
}

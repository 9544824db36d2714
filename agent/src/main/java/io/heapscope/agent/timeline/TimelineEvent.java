package io.heapscope.agent.timeline;

import io.heapscope.allocator.event.AllocatorEvent;

import java.util.Objects;

/**
 * The timeline's own flat view of one thing that happened to memory (allocator or agent), read from a recording by
 * field name or converted from the allocator's typed events during a replay ({@link #of(AllocatorEvent)}). One thing
 * that happened to memory, with what a person debugging memory needs. Built only when some sink wants the
 * event (see {@link TimelineEventRouter#isEnabled}), so the silent hot path never allocates one. Fields that do not
 * apply to a kind are 0 (numbers) or empty strings.
 *
 * @param kind            what happened
 * @param framework       who owns the memory: {@value #FRAMEWORK_HEAPSCOPE} for the allocator, else the agent's
 *                        framework name (e.g. "jdk.direct", "unsafe", "ffm", "netty")
 * @param pool            pool name (e.g. "PRIVATE_LARGE"), or the framework's pool/arena description
 * @param smallPool       true for small pools; LARGE_ONLY drops these
 * @param storageMode     "shared" or "private" (allocator), "" where it does not apply
 * @param bufferId        allocator buffer id (or agent-assigned id), 0 if none
 * @param heapId          allocator heap id, 0 if none
 * @param requestedSize   bytes asked for
 * @param alignedSize     bytes actually taken (after alignment), or the heap size for heap events
 * @param address         buffer or heap address, 0 if unknown
 * @param useCount        how many times the buffer has been handed out
 * @param retainCount     the device retain count at the event
 * @param gcAge           gc age (allocation rounds spent idle in the cache)
 * @param heapAvailable   bytes still available in the buffer's heap after the event
 * @param totalReserved   allocator-wide reserved bytes (sum of heap sizes) after the event
 * @param totalInUse      allocator-wide bytes handed out and not freed, after the event
 * @param count           GC: buffers freed; heap events: buffers in the heap; else 0
 * @param reclaimedBytes  GC: bytes reclaimed
 * @param targetBytes     GC: bytes it tried to reclaim; pressure: the low watermark limit
 * @param pressure        MEMORY_PRESSURE: true when entered, false when left; ALLOCATION_FAILED: high watermark hit
 * @param message         ALLOCATION_FAILED: the error message; otherwise ""
 */
public record TimelineEvent(
        Kind kind,
        String framework,
        String pool,
        boolean smallPool,
        String storageMode,
        long bufferId,
        long heapId,
        long requestedSize,
        long alignedSize,
        long address,
        int useCount,
        int retainCount,
        int gcAge,
        long heapAvailable,
        long totalReserved,
        long totalInUse,
        long count,
        long reclaimedBytes,
        long targetBytes,
        boolean pressure,
        String message) {

    public static final String FRAMEWORK_HEAPSCOPE = "heapscope";

    public TimelineEvent {
        Objects.requireNonNull(kind, "kind");
        framework = framework == null ? "" : framework;
        pool = pool == null ? "" : pool;
        storageMode = storageMode == null ? "" : storageMode;
        message = message == null ? "" : message;
    }

    public static Builder builder(Kind kind) {
        return new Builder(kind);
    }

    /** Builder; every field but the kind defaults to 0 / "" / false. */
    public static final class Builder {
        private final Kind kind;
        private String framework = FRAMEWORK_HEAPSCOPE;
        private String pool = "";
        private boolean smallPool;
        private String storageMode = "";
        private long bufferId;
        private long heapId;
        private long requestedSize;
        private long alignedSize;
        private long address;
        private int useCount;
        private int retainCount;
        private int gcAge;
        private long heapAvailable;
        private long totalReserved;
        private long totalInUse;
        private long count;
        private long reclaimedBytes;
        private long targetBytes;
        private boolean pressure;
        private String message = "";

        private Builder(Kind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        public Builder framework(String v) { framework = v; return this; }
        public Builder pool(String v) { pool = v; return this; }
        public Builder smallPool(boolean v) { smallPool = v; return this; }
        public Builder storageMode(String v) { storageMode = v; return this; }
        public Builder bufferId(long v) { bufferId = v; return this; }
        public Builder heapId(long v) { heapId = v; return this; }
        public Builder requestedSize(long v) { requestedSize = v; return this; }
        public Builder alignedSize(long v) { alignedSize = v; return this; }
        public Builder address(long v) { address = v; return this; }
        public Builder useCount(int v) { useCount = v; return this; }
        public Builder retainCount(int v) { retainCount = v; return this; }
        public Builder gcAge(int v) { gcAge = v; return this; }
        public Builder heapAvailable(long v) { heapAvailable = v; return this; }
        public Builder totalReserved(long v) { totalReserved = v; return this; }
        public Builder totalInUse(long v) { totalInUse = v; return this; }
        public Builder count(long v) { count = v; return this; }
        public Builder reclaimedBytes(long v) { reclaimedBytes = v; return this; }
        public Builder targetBytes(long v) { targetBytes = v; return this; }
        public Builder pressure(boolean v) { pressure = v; return this; }
        public Builder message(String v) { message = v; return this; }

        public TimelineEvent build() {
            return new TimelineEvent(kind, framework, pool, smallPool, storageMode, bufferId, heapId, requestedSize,
                    alignedSize, address, useCount, retainCount, gcAge, heapAvailable, totalReserved, totalInUse,
                    count, reclaimedBytes, targetBytes, pressure, message);
        }
    }

    /** What happened. */
    public enum Kind {
        BUFFER_ALLOCATED, BUFFER_RECYCLED, BUFFER_FREED, BUFFER_RELEASED, HEAP_ALLOCATED, HEAP_RELEASED,
        GARBAGE_COLLECTION, ALLOCATION_FAILED, MEMORY_PRESSURE, POOL_STATISTICS
    }

    /** The flat view of an allocator's typed event (a replay records through this). */
    public static TimelineEvent of(AllocatorEvent event) {
        Builder b = builder(Kind.valueOf(event.kind().name())).pool(event.pool().name())
                .smallPool(event.pool().isSmall()).storageMode(event.pool().storageName())
                .totalReserved(event.totalReserved()).totalInUse(event.totalInUse());
        switch (event) {
            case AllocatorEvent.BufferAllocated e -> b.bufferId(e.bufferId()).heapId(e.heapId()).address(e.address())
                    .requestedSize(e.requestedSize()).alignedSize(e.alignedSize()).useCount(e.useCount())
                    .retainCount(e.retainCount()).heapAvailable(e.heapAvailable());
            case AllocatorEvent.BufferRecycled e -> b.bufferId(e.bufferId()).heapId(e.heapId()).address(e.address())
                    .requestedSize(e.requestedSize()).alignedSize(e.alignedSize()).useCount(e.useCount())
                    .retainCount(e.retainCount()).gcAge(e.gcAge());
            case AllocatorEvent.BufferFreed e -> b.bufferId(e.bufferId()).heapId(e.heapId()).address(e.address())
                    .requestedSize(e.requestedSize()).alignedSize(e.alignedSize()).useCount(e.useCount())
                    .retainCount(e.retainCount());
            case AllocatorEvent.BufferReleased e -> b.bufferId(e.bufferId()).heapId(e.heapId()).address(e.address())
                    .requestedSize(e.requestedSize()).alignedSize(e.alignedSize()).useCount(e.useCount())
                    .retainCount(e.retainCount()).gcAge(e.gcAge()).heapAvailable(e.heapAvailable());
            case AllocatorEvent.HeapAllocated e -> b.heapId(e.heapId()).requestedSize(e.requestedSize())
                    .alignedSize(e.heapSize()).count(e.heapCount()).retainCount(e.retainCount());
            case AllocatorEvent.HeapReleased e -> b.heapId(e.heapId()).requestedSize(e.heapSize())
                    .alignedSize(e.heapSize()).count(e.heapCount()).retainCount(e.retainCount());
            case AllocatorEvent.GarbageCollection e -> b.count(e.freedBuffers()).reclaimedBytes(e.reclaimedBytes())
                    .targetBytes(e.targetBytes());
            case AllocatorEvent.AllocationFailed e -> b.requestedSize(e.requestedSize()).alignedSize(e.alignedSize())
                    .pressure(e.highWatermark()).message(e.message());
            case AllocatorEvent.MemoryPressure e -> b.pressure(e.entered()).targetBytes(e.lowWatermarkLimit())
                    .alignedSize(e.deviceAllocated());
        }
        return b.build();
    }
}

package io.heapscope.telemetry.testing;

/**
 * Commits the test events as an allocator would, keeping its allocator-wide totals: each buffer event carries
 * {@code totalReserved} / {@code totalInUse} after the event. The caller's method is the event's application frame.
 */
public final class TestAllocator {
    private final long id;
    private final String name;
    private long reserved;
    private long inUse;
    private long nextAddress = 0x7f00_0000_0000L;

    public TestAllocator(long id, String name) {
        this.id = id;
        this.name = name;
    }

    /** Statistics of one pool at one moment, as {@code heapscope.PoolStatistics} carries them. */
    public record Stats(long reserved, long inUse, long cached, int heaps, int buffers, int cachedBuffers,
            int pendingFree, long pendingFreeBytes, long highWatermarkLimit, long lowWatermarkLimit,
            long deviceAllocated, double fragmentation) {
    }

    public long reserved() {
        return reserved;
    }

    public long inUse() {
        return inUse;
    }

    private void fill(TestEvents.AllocatorEvent e, String pool) {
        e.allocatorId = id;
        e.allocatorName = name;
        e.pool = pool;
        e.totalReserved = reserved;
        e.totalInUse = inUse;
    }

    private void fill(TestEvents.BufferEvent e, String pool, long bufferId, long size, int retainCount) {
        e.bufferId = bufferId;
        e.heapId = 1 + bufferId / 64;
        e.address = nextAddress + bufferId * 4096;
        e.requestedSize = size;
        e.alignedSize = size;
        e.useCount = 1;
        e.retainCount = retainCount;
        fill(e, pool);
    }

    public void heapAllocated(String pool, long heapId, long heapSize) {
        reserved += heapSize;
        TestEvents.HeapAllocated e = new TestEvents.HeapAllocated();
        e.heapId = heapId;
        e.heapSize = heapSize;
        e.requestedSize = heapSize;
        e.retainCount = 1;
        fill(e, pool);
        e.commit();
    }

    public void heapReleased(String pool, long heapId, long heapSize) {
        reserved -= heapSize;
        TestEvents.HeapReleased e = new TestEvents.HeapReleased();
        e.heapId = heapId;
        e.heapSize = heapSize;
        fill(e, pool);
        e.commit();
    }

    public void allocate(String pool, long bufferId, long size) {
        inUse += size;
        TestEvents.BufferAllocated e = new TestEvents.BufferAllocated();
        fill(e, pool, bufferId, size, 1);
        e.commit();
    }

    public void recycle(String pool, long bufferId, long size) {
        inUse += size;
        TestEvents.BufferRecycled e = new TestEvents.BufferRecycled();
        fill(e, pool, bufferId, size, 1);
        e.commit();
    }

    /** A free; {@code retainCount} above 1 means the device still holds the buffer (a pending free). */
    public void free(String pool, long bufferId, long size, int retainCount) {
        inUse -= size;
        TestEvents.BufferFreed e = new TestEvents.BufferFreed();
        fill(e, pool, bufferId, size, retainCount);
        e.commit();
    }

    public void release(String pool, long bufferId, long size, int gcAge) {
        TestEvents.BufferReleased e = new TestEvents.BufferReleased();
        fill(e, pool, bufferId, size, 1);
        e.gcAge = gcAge;
        e.commit();
    }

    public void garbageCollection(String pool, int freedBuffers, long reclaimedBytes, long targetBytes) {
        TestEvents.GarbageCollection e = new TestEvents.GarbageCollection();
        e.freedBuffers = freedBuffers;
        e.reclaimedBytes = reclaimedBytes;
        e.targetBytes = targetBytes;
        fill(e, pool);
        e.commit();
    }

    public void allocationFailed(String pool, long requestedSize, boolean highWatermark, String message) {
        TestEvents.AllocationFailed e = new TestEvents.AllocationFailed();
        e.requestedSize = requestedSize;
        e.alignedSize = requestedSize;
        e.highWatermark = highWatermark;
        e.message = message;
        fill(e, pool);
        e.commit();
    }

    public void memoryPressure(String pool, boolean entered, long lowWatermarkLimit, long deviceAllocated) {
        TestEvents.MemoryPressure e = new TestEvents.MemoryPressure();
        e.entered = entered;
        e.lowWatermarkLimit = lowWatermarkLimit;
        e.deviceAllocated = deviceAllocated;
        fill(e, pool);
        e.commit();
    }

    public void poolStatistics(String pool, Stats s) {
        TestEvents.PoolStatistics e = new TestEvents.PoolStatistics();
        e.allocatorId = id;
        e.allocatorName = name;
        e.pool = pool;
        e.reserved = s.reserved();
        e.inUse = s.inUse();
        e.cached = s.cached();
        e.heaps = s.heaps();
        e.buffers = s.buffers();
        e.cachedBuffers = s.cachedBuffers();
        e.pendingFree = s.pendingFree();
        e.pendingFreeBytes = s.pendingFreeBytes();
        e.highWatermarkLimit = s.highWatermarkLimit();
        e.lowWatermarkLimit = s.lowWatermarkLimit();
        e.deviceAllocated = s.deviceAllocated();
        e.fragmentation = s.fragmentation();
        e.commit();
    }

    /** Framework memory as the agent reports it. */
    public static void frameworkAllocated(String framework, long bufferId, long size) {
        TestEvents.OffHeapAllocation e = new TestEvents.OffHeapAllocation();
        e.framework = framework;
        e.mechanism = "";
        e.size = size;
        e.address = 0x6000_0000L + bufferId * 4096;
        e.commit();
    }

    public static void frameworkReleased(String framework, long bufferId, long size) {
        TestEvents.OffHeapFree e = new TestEvents.OffHeapFree();
        e.framework = framework;
        e.mechanism = "";
        e.size = size;
        e.address = 0x6000_0000L + bufferId * 4096;
        e.commit();
    }
}

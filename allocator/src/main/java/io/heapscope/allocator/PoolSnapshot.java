package io.heapscope.allocator;

/**
 * One pool at one moment.
 *
 * @param kind              the pool
 * @param reserved          bytes of the pool's heaps
 * @param allocated         bytes of the pool's buffers (in use + cached + pending free)
 * @param inUse             bytes of buffers handed out and not freed
 * @param cached            bytes of cached buffers ready for reuse
 * @param heaps             heaps of the pool
 * @param buffers           buffers of the pool (in use + cached)
 * @param cachedBuffers     cached buffers
 * @param pendingFree       buffers freed by their user but still held by the device
 * @param pendingFreeBytes  bytes of those buffers
 * @param freeBytes         bytes of the pool's heaps that hold no buffer
 * @param largestFreeExtent the largest buffer any heap of the pool could place now
 */
public record PoolSnapshot(PoolKind kind, long reserved, long allocated, long inUse, long cached, int heaps,
                           int buffers, int cachedBuffers, int pendingFree, long pendingFreeBytes, long freeBytes,
                           long largestFreeExtent) {

    /**
     * External fragmentation of the pool's free heap space, as RMM's arena reports it: 1 − largest free extent /
     * total free bytes; 0 when nothing is free or all free space is one extent.
     */
    public double fragmentation() {
        if (freeBytes <= 0) {
            return 0.0;
        }
        return Math.max(0.0, 1.0 - (double) Math.min(largestFreeExtent, freeBytes) / freeBytes);
    }
}

package io.heapscope.allocator;

/**
 * One pool at one moment.
 *
 * @param kind          the pool
 * @param reserved      bytes of the pool's heaps
 * @param allocated     bytes of the pool's buffers (in use + cached)
 * @param inUse         bytes of buffers handed out and not freed
 * @param cached        bytes of cached buffers ready for reuse
 * @param heaps         heaps of the pool
 * @param buffers       buffers of the pool (in use + cached)
 * @param cachedBuffers cached buffers
 * @param pendingFree   buffers freed by their user but still held by the device
 */
public record PoolSnapshot(PoolKind kind, long reserved, long allocated, long inUse, long cached, int heaps,
                           int buffers, int cachedBuffers, int pendingFree) {
}

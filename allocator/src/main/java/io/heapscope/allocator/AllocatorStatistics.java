package io.heapscope.allocator;

/**
 * Allocator-wide statistics ({@link HeapAllocator#stats()}).
 *
 * @param reserved          bytes of heaps (the seed's m_total_allocated_memory), as current/peak/allocated/freed
 * @param inUse             bytes handed out and not freed (m_current_allocated_memory)
 * @param heapsAllocated    heaps created since the last accumulated reset
 * @param heapsReleased     heaps released since the last accumulated reset
 * @param buffersAllocated  new buffers carved from heaps
 * @param buffersRecycled   cached buffers handed out again
 * @param buffersFreed      buffers returned to their pool
 * @param buffersReleased   buffers given back to their heap (all causes)
 * @param gcPasses          garbage-collection passes that ran
 * @param gcReleasedBuffers buffers released by garbage collection
 * @param gcReclaimedBytes  bytes released by garbage collection
 * @param allocationRetries allocations that failed once and went through the callback/release retry chain
 * @param outOfMemory       allocations that ended in {@link MpsOutOfMemoryException}
 */
public record AllocatorStatistics(StatSnapshot reserved, StatSnapshot inUse, long heapsAllocated, long heapsReleased,
                                  long buffersAllocated, long buffersRecycled, long buffersFreed,
                                  long buffersReleased, long gcPasses, long gcReleasedBuffers, long gcReclaimedBytes,
                                  long allocationRetries, long outOfMemory) {
}

package io.heapscope.allocator;

/**
 * The seed's {@code IMpsAllocatorCallback}: told about allocator events. {@link CallbackEvent#ALLOCATION_FAILED} is
 * the one that matters: it runs before the allocator retries, so a callback may free memory (e.g. run a GC of the
 * host language so finalizers free buffers). Runs on the allocating thread with the allocator lock held (the lock is
 * reentrant, so calling back into the allocator from the same thread is allowed).
 *
 * @see HeapAllocator#addCallback(String, MemoryCallback)
 */
@FunctionalInterface
public interface MemoryCallback {
    /**
     * @param buffer the buffer concerned, or null for {@link CallbackEvent#ALLOCATION_FAILED}
     */
    void onEvent(MpsBuffer buffer, CallbackEvent event);
}

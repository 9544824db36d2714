package io.heapscope.allocator;

/**
 * Heap sizes under {@link AllocationPolicy#SPLIT}: the CUDA caching allocator's segment sizes, on unified and
 * discrete memory alike. Requests of at most 1 MiB share 2 MiB heaps ({@code kSmallBuffer}); requests below 10 MiB
 * share 20 MiB heaps ({@code kLargeBuffer}); larger requests get a heap of their own size rounded up to 2 MiB
 * ({@code kRoundLarge}), whose free remainder later requests may split off. Small heaps keep the pools' small
 * buffers together, so a freed small buffer never pins a large heap.
 *
 * <p>One more rule than the CUDA allocator: when no cached heap can take a request, the pool's empty heaps are
 * released before a new heap is made (none of them could hold the request, and keeping them only raises the peak);
 * under memory pressure that release counts as a garbage-collection pass. The CUDA allocator frees its cached
 * segments only once {@code cudaMalloc} fails.
 *
 * <p>Why these sizes and that rule (replay figures in docs/benchmarks.md): the seed's 1 GiB heaps reserve in 1 GiB
 * steps, so gpt2_train's 2.31 GB of live bytes take 3.27 GB; the CUDA segment sizes alone reproduce PyTorch's own
 * peak on that trace to the byte (2,480,930,816, 87 heaps for its 87 segments) and reach 2.77× live bytes on the
 * variable-length trace; releasing empty heaps on a miss brings those to 1.065× and 1.42×, below PyTorch's 1.071×
 * and 2.55×, for 2–19 more heap creations.
 */
final class SplitPolicy {
    static final long SMALL_BUFFER = 2 * SizeClasses.MB;
    static final long LARGE_BUFFER = 20 * SizeClasses.MB;
    static final long MIN_LARGE_ALLOC = 10 * SizeClasses.MB;
    static final long ROUND_LARGE = 2 * SizeClasses.MB;

    private SplitPolicy() {
    }

    static HeapBlock.Sizing sizing(long size) {
        if (size <= SizeClasses.MAX_SMALL_ALLOC) {
            return new HeapBlock.Sizing(SMALL_BUFFER, true);
        } else if (size < MIN_LARGE_ALLOC) {
            return new HeapBlock.Sizing(LARGE_BUFFER, true);
        }
        return new HeapBlock.Sizing(ROUND_LARGE * ((size + ROUND_LARGE - 1) / ROUND_LARGE), true);
    }
}

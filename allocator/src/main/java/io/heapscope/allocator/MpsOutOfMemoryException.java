package io.heapscope.allocator;

/**
 * The allocator ran out of memory: the high watermark was reached, or the device had no memory (or no contiguous
 * extent) for the request. Carries the seed's facts.
 */
public final class MpsOutOfMemoryException extends RuntimeException {
    private final long allocatorReserved;
    private final long otherAllocations;
    private final long maxAllowed;
    private final long triedToAllocate;
    private final PoolKind pool;

    MpsOutOfMemoryException(String message, long allocatorReserved, long otherAllocations, long maxAllowed,
                            long triedToAllocate, PoolKind pool) {
        super(message);
        this.allocatorReserved = allocatorReserved;
        this.otherAllocations = otherAllocations;
        this.maxAllowed = maxAllowed;
        this.triedToAllocate = triedToAllocate;
        this.pool = pool;
    }

    /** Bytes reserved by this allocator (heaps). */
    public long allocatorReserved() {
        return allocatorReserved;
    }

    /** Bytes the device has allocated beyond this allocator's heaps. */
    public long otherAllocations() {
        return otherAllocations;
    }

    /** The high watermark limit in bytes, or -1 when disabled. */
    public long maxAllowed() {
        return maxAllowed;
    }

    /** The aligned size that could not be allocated. */
    public long triedToAllocate() {
        return triedToAllocate;
    }

    public PoolKind pool() {
        return pool;
    }
}

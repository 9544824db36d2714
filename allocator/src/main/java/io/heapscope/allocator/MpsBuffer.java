package io.heapscope.allocator;

import io.heapscope.device.Buffer;

import java.lang.foreign.MemorySegment;

/**
 * A Java-friendly handle to one allocation: what {@link HeapAllocator#malloc} hands out. Immutable; the values are
 * those of this allocation (a recycled buffer gets a new handle). Free it once with {@link HeapAllocator#free(MpsBuffer)};
 * freeing a stale handle (after its buffer was freed, whether or not it was recycled since) is reported as a double
 * free.
 */
public final class MpsBuffer {
    private final BufferBlock block;
    private final int use;
    private final long requestedSize;

    MpsBuffer(BufferBlock block) {
        this.block = block;
        this.use = block.useCount;
        this.requestedSize = block.requestedSize;
    }

    BufferBlock block() {
        return block;
    }

    /** True while this handle's allocation is the buffer's current use. */
    boolean isCurrent() {
        return block.inUse && !block.freePending && block.useCount == use;
    }

    /** The buffer id ({@code getBufferId}), unique per allocator. */
    public long id() {
        return block.id;
    }

    /** Device address of the buffer. */
    public long address() {
        return block.address();
    }

    /** Aligned size: what the buffer takes from its heap. */
    public long size() {
        return block.size;
    }

    /** Size asked for ({@code getUnalignedBufferSize}). */
    public long requestedSize() {
        return requestedSize;
    }

    public PoolKind pool() {
        return block.pool().kind;
    }

    public boolean isShared() {
        return block.pool().isShared();
    }

    /** Id of the heap holding the buffer. */
    public long heapId() {
        return block.heap.id;
    }

    /**
     * CPU view of a shared buffer, {@link #size()} bytes long (the seed's cpu_ptr).
     *
     * @throws IllegalStateException for a private buffer
     */
    public MemorySegment contents() {
        if (!isShared()) {
            throw new IllegalStateException("buffer #" + block.id + " is in private pool " + pool()
                    + " and has no CPU contents");
        }
        return block.buffer.contents();
    }

    /** The device buffer, e.g. to submit work that uses it. */
    public Buffer deviceBuffer() {
        return block.buffer;
    }

    @Override
    public String toString() {
        return "MpsBuffer#" + block.id + "[" + pool() + ", size=" + block.size + ", requested=" + requestedSize
                + ", address=0x" + Long.toHexString(block.address()) + "]";
    }
}

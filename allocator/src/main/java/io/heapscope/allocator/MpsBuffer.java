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
    private final HeapAllocator allocator;
    private final BufferBlock block;
    private final int use;
    private final long requestedSize;

    MpsBuffer(HeapAllocator allocator, BufferBlock block) {
        this.allocator = allocator;
        this.block = block;
        this.use = block.useCount;
        this.requestedSize = block.requestedSize;
    }

    BufferBlock block() {
        return block;
    }

    int use() {
        return use;
    }

    /** The allocator that made this buffer. */
    public HeapAllocator allocator() {
        return allocator;
    }

    /** True while this handle's allocation is the buffer's current use. */
    boolean isCurrent() {
        return block.isOwned() && block.useCount == use;
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
     * CPU view of a shared buffer, {@link #size()} bytes long (the seed's cpu_ptr). The segment lives exactly as long
     * as this handle owns the buffer: once the handle is freed (or the buffer is released), any access through it
     * throws {@link IllegalStateException} ("Already closed") instead of reaching the buffer's next owner. Every call
     * during one ownership returns the same segment; the first costs a shared arena, which {@code free} closes.
     *
     * @throws IllegalStateException for a private buffer, or if this handle was freed
     */
    public MemorySegment contents() {
        return allocator.contentsOf(this);
    }

    /**
     * The device buffer, e.g. to submit work that uses it. Its own {@code contents()} is the device's raw mapping,
     * not scoped to this ownership: prefer {@link #contents()} for CPU access.
     *
     * @throws IllegalStateException if this handle was freed
     */
    public Buffer deviceBuffer() {
        if (!isCurrent()) {
            throw new IllegalStateException("buffer #" + block.id + " (use " + use + ") was freed");
        }
        return block.buffer;
    }

    @Override
    public String toString() {
        return "MpsBuffer#" + block.id + "[" + pool() + ", size=" + block.size + ", requested=" + requestedSize
                + ", address=0x" + Long.toHexString(block.address()) + "]";
    }
}

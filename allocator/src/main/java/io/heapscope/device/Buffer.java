package io.heapscope.device;

import java.lang.foreign.MemorySegment;

/**
 * A buffer placed inside a heap ({@code MTLBuffer}). Reference counted: created with a retain count of 1; work
 * submitted to a {@link CommandStream} retains the buffers it uses until it completes, so a count above 1 means the
 * device still uses the buffer. Its extent in the heap is freed when the count reaches 0.
 */
public interface Buffer {

    /** Length in bytes as placed in the heap. */
    long length();

    /** Device address ({@code gpuAddress}); unique among live buffers of a device, stable for the buffer's life. */
    long address();

    /** Offset of this buffer from the start of its heap. */
    long heapOffset();

    /** The heap holding the buffer. */
    Heap heap();

    /**
     * {@code contents}: CPU view of a shared-storage buffer, {@link #length()} bytes long.
     *
     * @throws IllegalStateException for private storage, which has no CPU mapping (Metal returns nil there)
     */
    MemorySegment contents();

    void retain();

    /** Drops one reference; at zero the buffer's extent goes back to its heap. */
    void release();

    int retainCount();
}

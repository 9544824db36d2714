package io.heapscope.device;

/**
 * A heap of device memory from which buffers are sub-allocated ({@code MTLHeap}). Reference counted: created with a
 * retain count of 1; the memory goes back to the device when the count drops to 0, which happens only after every
 * buffer placed in it has been released too (each buffer retains its heap).
 */
public interface Heap {

    /** The heap's total size in bytes. */
    long size();

    /** Storage mode chosen in the descriptor. */
    StorageMode storageMode();

    /** {@code maxAvailableSizeWithAlignment:}: the largest buffer that could be placed now, rounded down to the alignment. */
    long maxAvailableSize(long alignment);

    /**
     * {@code newBufferWithLength:options:}: a new buffer with retain count 1, or {@code null} when no free extent
     * of the heap can hold it.
     */
    Buffer newBuffer(long length, ResourceOptions options);

    /** {@code setPurgeableState:}; returns the previous state. */
    PurgeableState setPurgeableState(PurgeableState state);

    void retain();

    /** Drops one reference; at zero the heap's memory goes back to the device. */
    void release();

    int retainCount();
}

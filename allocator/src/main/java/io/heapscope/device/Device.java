package io.heapscope.device;

/**
 * A memory device (Metal's {@code MTLDevice}). Thread-safe. Closing it releases every heap still alive and stops
 * its stream.
 */
public interface Device extends AutoCloseable {

    /** Human-readable device name, e.g. "Apple M2 Max", "NVIDIA H100 80GB HBM3" or "host". */
    String name();

    /** Backend name: "host", "cuda" or "metal". */
    String backend();

    /** True when CPU and device share one memory (Apple silicon, the host backend's default). */
    boolean hasUnifiedMemory();

    /** {@code recommendedMaxWorkingSetSize}: the memory the process should stay under, in bytes. */
    long recommendedMaxWorkingSetSize();

    /** {@code currentAllocatedSize}: bytes the device has allocated for this process (all heaps alive). */
    long currentAllocatedSize();

    /** {@code maxBufferLength}: the largest buffer length the device accepts, in bytes. */
    long maxBufferLength();

    /** {@code heapBufferSizeAndAlignWithLength:options:}: what a buffer of {@code length} takes inside a heap. */
    SizeAndAlign heapBufferSizeAndAlign(long length, ResourceOptions options);

    /**
     * {@code newHeapWithDescriptor:}: a new heap with a retain count of 1, or {@code null} when the device cannot
     * provide the memory (as Metal returns nil).
     */
    Heap newHeap(HeapDescriptor descriptor);

    /** The device's default command stream (Metal's command queue with its current command buffer). */
    CommandStream stream();

    /** A new event, unsignalled, for recording on the stream ({@code MTLSharedEvent}). */
    DeviceEvent newEvent();

    /** Releases everything the device holds. Idempotent. */
    @Override
    void close();
}

package io.heapscope.allocator;

/** The seed's {@code AllocParams}: one allocation request while it is being served. */
final class AllocParams {
    /** The aligned size asked for (the seed's search key: size, null address). */
    private final long size;
    final BufferPool pool;
    final long requestedSize;
    BufferBlock bufferBlock;
    /** True when the low watermark is exceeded: relieve the pressure before allocating. */
    boolean hasMemoryPressure;
    /** Set when the buffer came from the cache; its gc age at that moment. */
    boolean recycled;
    int recycledGcAge;
    /** Size of a heap the device refused while serving this request, 0 if none; named in the out-of-memory error. */
    long refusedHeapSize;

    AllocParams(long allocSize, long requestedSize, BufferPool pool) {
        this.size = allocSize;
        this.pool = pool;
        this.requestedSize = requestedSize;
    }

    long size() {
        return size;
    }
}

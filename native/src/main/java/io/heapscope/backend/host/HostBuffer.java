package io.heapscope.backend.host;

import io.heapscope.backend.RefCount;
import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;

import java.lang.foreign.MemorySegment;

/** A buffer placed in a {@link HostHeap}. Its extent returns to the heap when its retain count reaches zero. */
final class HostBuffer implements Buffer {
    private final HostHeap heap;
    private final MemorySegment memory;
    private final long offset;
    private final long placedLength;
    private final boolean cpuVisible;
    private final RefCount retainCount = new RefCount(() -> "buffer at 0x" + Long.toHexString(address()));

    HostBuffer(HostHeap heap, MemorySegment memory, long offset, long placedLength, boolean cpuVisible) {
        this.heap = heap;
        this.memory = memory;
        this.offset = offset;
        this.placedLength = placedLength;
        this.cpuVisible = cpuVisible;
    }

    @Override
    public long length() {
        return memory.byteSize();
    }

    /** Bytes the buffer takes in its heap (its length rounded up to a page). */
    long placedLength() {
        return placedLength;
    }

    @Override
    public long address() {
        return memory.address();
    }

    @Override
    public long heapOffset() {
        return offset;
    }

    @Override
    public Heap heap() {
        return heap;
    }

    @Override
    public MemorySegment contents() {
        if (!cpuVisible) {
            throw new IllegalStateException("buffer at 0x" + Long.toHexString(address())
                    + " has private storage and no CPU contents");
        }
        checkAlive();
        return memory;
    }

    /** The memory behind the buffer, whatever its storage mode (for stream copies). */
    MemorySegment memory() {
        checkAlive();
        return memory;
    }

    @Override
    public void retain() {
        retainCount.retain();
    }

    @Override
    public void release() {
        if (retainCount.release()) {
            heap.bufferGone(offset);
        }
    }

    @Override
    public int retainCount() {
        return retainCount.get();
    }

    private void checkAlive() {
        if (!retainCount.isAlive()) {
            throw new IllegalStateException("buffer at 0x" + Long.toHexString(address()) + " was released");
        }
    }
}

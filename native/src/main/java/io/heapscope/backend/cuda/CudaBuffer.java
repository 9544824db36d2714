package io.heapscope.backend.cuda;

import io.heapscope.backend.RefCount;
import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;
import io.heapscope.device.StorageMode;

import java.lang.foreign.MemorySegment;

/** An offset range of a {@link CudaHeap}; its address is the device pointer of that range. */
final class CudaBuffer implements Buffer {
    private final CudaHeap heap;
    private final long offset;
    private final long length;
    private final RefCount retainCount = new RefCount(() -> "buffer at device address 0x" + Long.toHexString(address()));

    CudaBuffer(CudaHeap heap, long offset, long length) {
        this.heap = heap;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long address() {
        return heap.devicePointer() + offset;
    }

    @Override
    public long heapOffset() {
        return offset;
    }

    @Override
    public Heap heap() {
        return heap;
    }

    CudaHeap cudaHeap() {
        return heap;
    }

    @Override
    public MemorySegment contents() {
        if (heap.storageMode() == StorageMode.PRIVATE) {
            throw new IllegalStateException("buffer at device address 0x" + Long.toHexString(address())
                    + " has private storage and no CPU contents");
        }
        return heap.hostMemory().asSlice(offset, length);
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
}

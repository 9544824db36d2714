package io.heapscope.backend.cuda;

import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;
import io.heapscope.device.StorageMode;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/** An offset range of a {@link CudaHeap}; its address is the device pointer of that range. */
final class CudaBuffer implements Buffer {
    private final CudaHeap heap;
    private final long offset;
    private final long length;
    private final AtomicInteger retainCount = new AtomicInteger(1);

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
        if (retainCount.getAndUpdate(c -> c <= 0 ? c : c + 1) <= 0) {
            throw new IllegalStateException("buffer at 0x" + Long.toHexString(address()) + " was released");
        }
    }

    @Override
    public void release() {
        int after = retainCount.updateAndGet(c -> c <= 0 ? -1 : c - 1);
        if (after < 0) {
            throw new IllegalStateException("buffer at 0x" + Long.toHexString(address()) + " released more often than retained");
        }
        if (after == 0) {
            heap.bufferGone(offset);
        }
    }

    @Override
    public int retainCount() {
        return Math.max(0, retainCount.get());
    }
}

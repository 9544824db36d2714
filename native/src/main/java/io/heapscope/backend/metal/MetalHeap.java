package io.heapscope.backend.metal;

import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;
import io.heapscope.device.PurgeableState;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.StorageMode;

import java.lang.foreign.MemorySegment;

/** An {@code MTLHeap}; retain counts are Metal's own. */
final class MetalHeap implements Heap {
    private final MetalDevice device;
    private final ObjC objc;
    private final MemorySegment heap;
    private final StorageMode mode;
    private final long size;

    MetalHeap(MetalDevice device, MemorySegment heap, StorageMode mode, long size) {
        this.device = device;
        this.objc = device.objc();
        this.heap = heap;
        this.mode = mode;
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public StorageMode storageMode() {
        return mode;
    }

    @Override
    public long maxAvailableSize(long alignment) {
        return objc.u64(heap, "maxAvailableSizeWithAlignment:", alignment);
    }

    @Override
    public Buffer newBuffer(long length, ResourceOptions options) {
        if (length <= 0) {
            throw new IllegalArgumentException("buffer length must be positive, got " + length);
        }
        MemorySegment b = objc.id(heap, "newBufferWithLength:options:", length, options.bits());
        return b.equals(MemorySegment.NULL) ? null : new MetalBuffer(objc, b, this);
    }

    @Override
    public PurgeableState setPurgeableState(PurgeableState state) {
        return PurgeableState.ofMetalValue((int) objc.u64(heap, "setPurgeableState:", state.metalValue()));
    }

    @Override
    public void retain() {
        objc.id(heap, "retain");
    }

    @Override
    public synchronized void release() {
        boolean last = retainCount() == 1;
        objc.send(heap, "release");
        if (last) {
            device.heapGone(size);
        }
    }

    /** The last buffer's release freed this heap inside Metal. */
    void heapGoneWithLastBuffer() {
        device.heapGone(size);
    }

    @Override
    public int retainCount() {
        return (int) objc.u64(heap, "retainCount");
    }
}

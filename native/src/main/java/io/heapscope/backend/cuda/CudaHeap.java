package io.heapscope.backend.cuda;

import io.heapscope.backend.ExtentMap;
import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;
import io.heapscope.device.PurgeableState;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.StorageMode;

import java.lang.foreign.MemorySegment;

/** A device allocation (private) or mapped page-locked host allocation (shared) that buffers are placed in. */
final class CudaHeap implements Heap {
    private final CudaDevice device;
    private final StorageMode mode;
    private final long size;
    private final long devicePointer;
    private final MemorySegment hostMemory;
    private final ExtentMap extents;
    private int retainCount = 1;
    private PurgeableState purgeable = PurgeableState.NON_VOLATILE;

    /** The pinned host mapping as the driver gave it (global scope); {@link #hostMemory} is its heap-scoped view. */
    private final MemorySegment hostMapping;
    private final java.lang.foreign.Arena scope;

    @SuppressWarnings("restricted")
    CudaHeap(CudaDevice device, StorageMode mode, long size, long devicePointer, MemorySegment hostMemory) {
        this.device = device;
        this.mode = mode;
        this.size = size;
        this.devicePointer = devicePointer;
        this.hostMapping = hostMemory;
        // CPU views of a shared heap fail with IllegalStateException once the heap is freed, instead of crashing
        this.scope = hostMemory.equals(MemorySegment.NULL) ? null : java.lang.foreign.Arena.ofShared();
        this.hostMemory = scope == null ? MemorySegment.NULL : hostMemory.reinterpret(scope, null);
        this.extents = new ExtentMap(size);
    }

    long devicePointer() {
        return devicePointer;
    }

    MemorySegment hostMemory() {
        return hostMemory;
    }

    MemorySegment hostMapping() {
        return hostMapping;
    }

    CudaDevice device() {
        return device;
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
    public synchronized long maxAvailableSize(long alignment) {
        return extents.maxAvailable(alignment);
    }

    @Override
    public synchronized Buffer newBuffer(long length, ResourceOptions options) {
        if (length <= 0) {
            throw new IllegalArgumentException("buffer length must be positive, got " + length);
        }
        if (retainCount <= 0) {
            throw new IllegalStateException("heap was released");
        }
        long offset = extents.allocate(length);
        if (offset < 0) {
            return null;
        }
        retainCount++;
        return new CudaBuffer(this, offset, length);
    }

    synchronized void bufferGone(long offset) {
        extents.release(offset);
        release();
    }

    @Override
    public synchronized PurgeableState setPurgeableState(PurgeableState state) {
        PurgeableState previous = purgeable;
        if (state != PurgeableState.KEEP_CURRENT) {
            purgeable = state;
        }
        return previous;
    }

    @Override
    public synchronized void retain() {
        retainCount++;
    }

    @Override
    public synchronized void release() {
        if (retainCount <= 0) {
            throw new IllegalStateException("cuda heap at 0x" + Long.toHexString(devicePointer)
                    + " released more often than retained");
        }
        if (--retainCount == 0) {
            if (scope != null) {
                scope.close();
            }
            device.heapGone(this);
        }
    }

    @Override
    public synchronized int retainCount() {
        return retainCount;
    }
}

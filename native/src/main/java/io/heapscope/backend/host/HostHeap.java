package io.heapscope.backend.host;

import io.heapscope.backend.ExtentMap;
import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;
import io.heapscope.device.PurgeableState;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.StorageMode;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A heap of lazily committed host memory; buffers are placed in it by an {@link ExtentMap}. The mapping is bound to a
 * shared arena of the heap's own: every view of it (buffers' contents) fails with IllegalStateException once the heap
 * is released, instead of touching unmapped memory.
 */
final class HostHeap implements Heap {
    private final HostDevice device;
    private final Arena scope;
    private final MemorySegment mapping;
    private final MemorySegment memory;
    private final StorageMode storageMode;
    private final ExtentMap extents;
    private int retainCount = 1;
    private PurgeableState purgeableState = PurgeableState.NON_VOLATILE;

    @SuppressWarnings("restricted")
    HostHeap(HostDevice device, MemorySegment mapping, StorageMode storageMode) {
        this.device = device;
        this.mapping = mapping;
        this.scope = Arena.ofShared();
        this.memory = mapping.reinterpret(scope, null);
        this.storageMode = storageMode;
        this.extents = new ExtentMap(memory.byteSize());
    }

    @Override
    public long size() {
        return memory.byteSize();
    }

    @Override
    public StorageMode storageMode() {
        return storageMode;
    }

    long baseAddress() {
        return memory.address();
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
        checkAlive();
        long offset = extents.allocate(length);
        if (offset < 0) {
            return null;
        }
        retainCount++; // a buffer keeps its heap alive
        long placed = ExtentMap.roundUp(length);
        return new HostBuffer(this, memory.asSlice(offset, length), offset, placed,
                storageMode != StorageMode.PRIVATE);
    }

    /** Called by a buffer whose count reached zero. */
    synchronized void bufferGone(long offset) {
        extents.release(offset);
        release();
    }

    @Override
    public synchronized PurgeableState setPurgeableState(PurgeableState state) {
        PurgeableState previous = purgeableState;
        if (state != PurgeableState.KEEP_CURRENT) {
            if (state == PurgeableState.EMPTY && retainCount > 0 && extents.usedExtents() == 0) {
                Posix.discard(memory);
            }
            purgeableState = state;
        }
        return previous;
    }

    @Override
    public synchronized void retain() {
        checkAlive();
        retainCount++;
    }

    @Override
    public synchronized void release() {
        if (retainCount <= 0) {
            throw new IllegalStateException("heap of " + size() + " bytes at 0x" + Long.toHexString(baseAddress())
                    + " released more often than retained");
        }
        if (--retainCount == 0) {
            device.heapGone(this);
            scope.close(); // views fail from here on; only then is the memory unmapped
            Posix.unmap(mapping);
        }
    }

    @Override
    public synchronized int retainCount() {
        return retainCount;
    }

    private void checkAlive() {
        if (retainCount <= 0) {
            throw new IllegalStateException("heap at 0x" + Long.toHexString(baseAddress()) + " was released");
        }
    }
}

package io.heapscope.backend.metal;

import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;

import java.lang.foreign.MemorySegment;

/** An {@code MTLBuffer} placed in a heap; address = {@code gpuAddress}. */
final class MetalBuffer implements Buffer {
    private final ObjC objc;
    private final MemorySegment buffer;
    private final MetalHeap heap;
    private final long length;
    private final long address;
    private final long offset;

    MetalBuffer(ObjC objc, MemorySegment buffer, MetalHeap heap) {
        this.objc = objc;
        this.buffer = buffer;
        this.heap = heap;
        this.length = objc.u64(buffer, "length");
        this.address = objc.u64(buffer, "gpuAddress");
        this.offset = objc.u64(buffer, "heapOffset");
    }

    MemorySegment handle() {
        return buffer;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public long address() {
        return address;
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
        MemorySegment p = objc.ptr(buffer, "contents");
        if (p.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("buffer at gpu address 0x" + Long.toHexString(address)
                    + " has private storage and no CPU contents");
        }
        synchronized (this) {
            if (scope == null) {
                scope = java.lang.foreign.Arena.ofShared();
            }
            return p.reinterpret(length, scope, null);
        }
    }

    /** CPU views' scope: closed when the buffer's last reference is released, so stale views fail cleanly. */
    private java.lang.foreign.Arena scope;

    @Override
    public void retain() {
        objc.id(buffer, "retain");
    }

    @Override
    public void release() {
        // a buffer retains its heap: when the last release frees the buffer, Metal drops the heap's reference too,
        // which the heap's own accounting must see
        boolean last = retainCount() == 1;
        boolean heapLast = last && heap.retainCount() == 1;
        if (last) {
            synchronized (this) {
                if (scope != null) {
                    scope.close();
                    scope = null;
                }
            }
        }
        objc.send(buffer, "release");
        if (heapLast) {
            heap.heapGoneWithLastBuffer();
        }
    }

    @Override
    public int retainCount() {
        return (int) objc.u64(buffer, "retainCount");
    }
}

package io.heapscope.backend.metal;

import io.heapscope.device.CommandStream;
import io.heapscope.device.DeviceEvent;

import java.lang.foreign.MemorySegment;

/** An {@code MTLSharedEvent}: each record encodes a signal of the next value into a command buffer. */
final class MetalEvent implements DeviceEvent {
    private final ObjC objc;
    private final MemorySegment event;
    private long value;
    private MemorySegment lastCommandBuffer;
    private boolean closed;

    MetalEvent(ObjC objc, MemorySegment event) {
        this.objc = objc;
        this.event = event;
    }

    @Override
    public synchronized void record(CommandStream stream) {
        MetalStream s = (MetalStream) stream;
        value++;
        MemorySegment cb = objc.id(sQueueCommandBuffer(s), "retain");
        objc.send(cb, "encodeSignalEvent:value:", event, value);
        objc.send(cb, "commit");
        lastCommandBuffer = cb;
    }

    private MemorySegment sQueueCommandBuffer(MetalStream s) {
        return s.newCommandBuffer();
    }

    @Override
    public synchronized boolean isSignalled() {
        return objc.u64(event, "signaledValue") >= value;
    }

    @Override
    public boolean synchronize() {
        MemorySegment cb;
        synchronized (this) {
            if (isSignalled() || lastCommandBuffer == null) {
                return false;
            }
            cb = lastCommandBuffer;
        }
        objc.send(cb, "waitUntilCompleted");
        return true;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            if (lastCommandBuffer != null) {
                objc.send(lastCommandBuffer, "release");
            }
            objc.send(event, "release");
        }
    }
}

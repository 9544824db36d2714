package io.heapscope.backend.metal;

import io.heapscope.device.Buffer;
import io.heapscope.device.CommandStream;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An {@code MTLCommandQueue}. Each submission is a command buffer committed at once, in order, whose completion
 * handler (a block) runs the Java work and then releases the buffers it retained at submission, as the GPU would after
 * using them. {@code synchronize} commits an empty command buffer and waits until it completes.
 * The command buffers come from {@code commandBuffer} (autoreleased on real Metal); this code does not release them.
 */
final class MetalStream implements CommandStream {
    private final ObjC objc;
    private final MemorySegment queue;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    MetalStream(ObjC objc, MemorySegment queue) {
        this.objc = objc;
        this.queue = queue;
    }

    private MemorySegment commandBuffer(Runnable onCompletion) {
        MemorySegment cb = objc.id(queue, "commandBuffer");
        if (onCompletion != null) {
            objc.send(cb, "addCompletedHandler:", Blocks.of(objc, () -> {
                try {
                    onCompletion.run();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        return cb;
    }

    /** A new command buffer of this queue, not committed. */
    MemorySegment newCommandBuffer() {
        return objc.id(queue, "commandBuffer");
    }

    MemorySegment commitWith(Runnable onCompletion) {
        MemorySegment cb = commandBuffer(onCompletion);
        objc.send(cb, "commit");
        return cb;
    }

    @Override
    public void submit(List<Buffer> buffers, Runnable work) {
        List<Buffer> held = List.copyOf(buffers);
        held.forEach(Buffer::retain);
        commitWith(() -> {
            try {
                work.run();
            } finally {
                held.forEach(Buffer::release);
            }
        });
    }

    @Override
    public void commit() {
        // each submission is committed as it is made
    }

    @Override
    public void addCompletedHandler(Runnable handler) {
        commitWith(handler);
    }

    @Override
    public void synchronize() {
        if (!Blocks.IN_HANDLER.get()) {
            objc.send(commitWith(null), "waitUntilCompleted");
        }
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            throw new IllegalStateException("work submitted to the Metal queue failed", t);
        }
    }

    @Override
    public void copyToBuffer(MemorySegment source, Buffer destination, long destinationOffset) {
        synchronize();
        MemorySegment dst = destination.contents(); // private buffers: needs a blit through a staging buffer (not built)
        MemorySegment.copy(source, 0, dst, destinationOffset, source.byteSize());
    }

    @Override
    public void copyFromBuffer(Buffer source, long sourceOffset, MemorySegment destination) {
        synchronize();
        MemorySegment.copy(source.contents(), sourceOffset, destination, 0, destination.byteSize());
    }

    void close() {
        synchronize();
    }
}

package io.heapscope.device;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An in-order device queue (Metal's command queue with its current command buffer, a CUDA stream). Work runs in
 * submission order; completion handlers run once every work item submitted before them has completed.
 */
public interface CommandStream {

    /**
     * Submits work that uses {@code buffers}: each is retained now and released when the work completes, so the
     * allocator sees their retain counts above 1 meanwhile.
     */
    void submit(List<Buffer> buffers, Runnable work);

    /** Closes the current batch of work so it starts executing (Metal {@code commit}); submitted work is not lost. */
    void commit();

    /**
     * Adds a handler that runs, on the stream's own thread, after everything submitted so far has completed
     * ({@code addCompletedHandler:}). Handlers must not block on the stream.
     */
    void addCompletedHandler(Runnable handler);

    /** Commits and waits until everything submitted so far and every handler added so far has run. */
    void synchronize();

    /** Copies host memory into a buffer at an offset, in stream order, and waits for the copy. */
    void copyToBuffer(MemorySegment source, Buffer destination, long destinationOffset);

    /** Copies from a buffer at an offset into host memory, in stream order, and waits for the copy. */
    void copyFromBuffer(Buffer source, long sourceOffset, MemorySegment destination);
}

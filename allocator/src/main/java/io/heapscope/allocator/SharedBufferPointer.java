package io.heapscope.allocator;

import java.lang.foreign.MemorySegment;

/**
 * {@code getSharedBufferPtr}'s answer: the CPU mapping of a shared buffer and its retain count, or
 * ({@link MemorySegment#NULL}, 0) when the address is not a shared buffer of this allocator.
 */
public record SharedBufferPointer(MemorySegment contents, int retainCount) {
    static final SharedBufferPointer NONE = new SharedBufferPointer(MemorySegment.NULL, 0);

    public boolean isPresent() {
        return !contents.equals(MemorySegment.NULL);
    }
}

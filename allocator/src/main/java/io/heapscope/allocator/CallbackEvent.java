package io.heapscope.allocator;

/** The seed's {@code IMpsAllocatorCallback::EventType}. */
public enum CallbackEvent {
    ALLOCATED,
    RECYCLED,
    FREED,
    RELEASED,
    ALLOCATION_FAILED
}

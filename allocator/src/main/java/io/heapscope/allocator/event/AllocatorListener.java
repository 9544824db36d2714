package io.heapscope.allocator.event;

/**
 * Receives the events of an allocator. The allocator records an event under its lock only when the verbosity flags
 * select its kind and some listener {@linkplain #isEnabled(EventKind) wants} it, and delivers it after the operation,
 * outside the lock, on the thread that caused it (a completion on the device stream delivers on the stream's thread).
 * A listener may therefore call back into the allocator. Exceptions are caught and counted
 * ({@code HeapAllocator.listenerFailures()}), never seen by the allocating thread.
 */
public interface AllocatorListener {

    /**
     * Whether events of this kind are wanted now; asked before an event is built, so it must be cheap (a JFR
     * listener answers with its event type's enablement). The default wants everything.
     */
    default boolean isEnabled(EventKind kind) {
        return true;
    }

    void onEvent(AllocatorEvent event);
}

package io.heapscope.telemetry;

/**
 * Receives memory events that passed the verbosity gate. Called synchronously on the thread that caused the event,
 * sometimes while the allocator holds its lock: implementations must be quick and must not call back into the
 * allocator. Exceptions thrown are caught and counted by the router, never propagated to the caller.
 */
@FunctionalInterface
public interface MemoryEventSink {
    void accept(MemoryEvent event);
}

package io.heapscope.agent;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import io.heapscope.telemetry.MemoryEvent;
import io.heapscope.telemetry.MemoryEventKind;
import io.heapscope.telemetry.MemoryEventRouter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns framework allocations reported by hooks into memory events on the agent's router. Re-entrant calls (an event
 * sink allocating memory that is itself hooked) are dropped, so the agent never records its own allocations.
 */
final class FrameworkEvents implements HeapscopeDispatch.Hook {
    private static final ThreadLocal<Boolean> BUSY = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final MemoryEventRouter router;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong skippedReentrant = new AtomicLong();

    FrameworkEvents(MemoryEventRouter router) {
        this.router = router;
    }

    @Override
    public void allocated(String framework, long address, long size) {
        emit(MemoryEventKind.BUFFER_ALLOCATED, framework, address, size, ids.incrementAndGet());
    }

    @Override
    public void released(String framework, long address, long size) {
        emit(MemoryEventKind.BUFFER_RELEASED, framework, address, size, 0);
    }

    private void emit(MemoryEventKind kind, String framework, long address, long size, long id) {
        if (!router.isEnabled(kind, false)) {
            return;
        }
        if (BUSY.get()) {
            skippedReentrant.incrementAndGet();
            return;
        }
        BUSY.set(Boolean.TRUE);
        try {
            router.emit(MemoryEvent.builder(kind).framework(framework).pool(framework).bufferId(id)
                    .requestedSize(size).alignedSize(size).address(address).build());
        } finally {
            BUSY.set(Boolean.FALSE);
        }
    }

    long skippedReentrant() {
        return skippedReentrant.get();
    }
}

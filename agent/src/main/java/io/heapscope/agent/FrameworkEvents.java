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
    private final LiveAddresses live = new LiveAddresses(LiveAddresses.DEFAULT_CAPACITY);
    private final java.lang.reflect.Method addCloseAction;

    FrameworkEvents(MemoryEventRouter router, java.lang.reflect.Method addCloseAction) {
        this.router = router;
        this.addCloseAction = addCloseAction;
    }

    LiveAddresses live() {
        return live;
    }

    /** With every flag off a hook returns here: one volatile read, no thread-local, no map. */
    private boolean silent() {
        return router.verbosity() == 0;
    }

    @Override
    public void allocated(String framework, long address, long size) {
        if (silent()) {
            return;
        }
        if (BUSY.get()) {
            skippedReentrant.incrementAndGet();
            return;
        }
        if ("unsafe".equals(framework)) {
            live.put(address, size); // freeMemory gets only the address
        }
        emit(MemoryEventKind.BUFFER_ALLOCATED, framework, address, size, ids.incrementAndGet());
    }

    @Override
    public void released(String framework, long address, long size) {
        if (silent()) {
            return;
        }
        if (BUSY.get()) {
            skippedReentrant.incrementAndGet();
            return;
        }
        long known = size >= 0 ? size : live.remove(address);
        if (known < 0) {
            return; // not allocated through a hook (or dropped from the bounded map): counted there, not reported
        }
        emit(MemoryEventKind.BUFFER_RELEASED, framework, address, known, 0);
    }

    /** Per thread: 1 + chunks created during the pooled allocation under way, or 0 when none is under way. */
    private static final ThreadLocal<int[]> POOL_ALLOCATION = ThreadLocal.withInitial(() -> new int[1]);

    @Override
    public void poolEvent(String framework, int what, long size) {
        if (silent()) {
            return;
        }
        if (BUSY.get()) {
            skippedReentrant.incrementAndGet();
            return;
        }
        int[] state = POOL_ALLOCATION.get();
        switch (what) {
            case HeapscopeDispatch.POOL_ALLOCATE_ENTER -> state[0] = 1;
            case HeapscopeDispatch.POOL_CHUNK_NEW -> {
                if (state[0] > 0) {
                    state[0]++;
                }
                emit(MemoryEventKind.HEAP_ALLOCATED, framework, 0, size, 0);
            }
            case HeapscopeDispatch.POOL_ALLOCATE_EXIT -> {
                boolean fresh = state[0] > 1;
                state[0] = 0;
                emit(fresh ? MemoryEventKind.BUFFER_ALLOCATED : MemoryEventKind.BUFFER_RECYCLED, framework, 0, size,
                        ids.incrementAndGet());
            }
            case HeapscopeDispatch.POOL_FREE -> emit(MemoryEventKind.BUFFER_FREED, framework, 0, size, 0);
            case HeapscopeDispatch.POOL_CHUNK_DESTROY -> emit(MemoryEventKind.HEAP_RELEASED, framework, 0, size, 0);
            case HeapscopeDispatch.UNPOOLED_ALLOCATE ->
                    emit(MemoryEventKind.BUFFER_ALLOCATED, framework, 0, size, ids.incrementAndGet());
            case HeapscopeDispatch.UNPOOLED_RELEASE -> emit(MemoryEventKind.BUFFER_RELEASED, framework, 0, size, 0);
            default -> {
            }
        }
    }

    @Override
    public void segmentAllocated(Object segment, Object session, long size) {
        if (silent()) {
            return;
        }
        if (BUSY.get()) {
            skippedReentrant.incrementAndGet();
            return;
        }
        long address = ((java.lang.foreign.MemorySegment) segment).address();
        emit(MemoryEventKind.BUFFER_ALLOCATED, "ffm", address, size, ids.incrementAndGet());
        if (addCloseAction != null) {
            try {
                addCloseAction.invoke(session, (Runnable) () -> released("ffm", address, size));
            } catch (ReflectiveOperationException | RuntimeException e) {
                // a session that takes no close action (e.g. the global arena's): its memory is never freed
            }
        }
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

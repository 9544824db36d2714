package io.heapscope.telemetry;

import io.heapscope.allocator.DebugVerbosity;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gating by the seed's flags, run-time changes, and sinks that fail. */
class MemoryEventRouterTest {

    private static final int ALLOC = DebugVerbosity.ALLOCATIONS.bit();
    private static final int RECYCLE = DebugVerbosity.RECYCLES.bit();
    private static final int RELEASE = DebugVerbosity.RELEASES.bit();
    private static final int PROFILE = DebugVerbosity.PROFILING.bit();
    private static final int LARGE = DebugVerbosity.LARGE_ONLY.bit();

    @Test
    void eachKindFollowsItsFlag() {
        MemoryEventRouter r = new MemoryEventRouter(0);
        for (MemoryEventKind k : MemoryEventKind.values()) {
            assertFalse(r.isEnabled(k, false), "SILENT: " + k);
        }
        r.setVerbosity(ALLOC);
        assertTrue(r.isEnabled(MemoryEventKind.BUFFER_ALLOCATED, true));
        assertTrue(r.isEnabled(MemoryEventKind.HEAP_ALLOCATED, true));
        assertFalse(r.isEnabled(MemoryEventKind.BUFFER_RECYCLED, false));
        assertFalse(r.isEnabled(MemoryEventKind.BUFFER_FREED, false));
        r.setVerbosity(RECYCLE);
        assertTrue(r.isEnabled(MemoryEventKind.BUFFER_RECYCLED, true));
        assertFalse(r.isEnabled(MemoryEventKind.BUFFER_ALLOCATED, false));
        r.setVerbosity(RELEASE);
        for (MemoryEventKind k : List.of(MemoryEventKind.BUFFER_FREED, MemoryEventKind.BUFFER_RELEASED,
                MemoryEventKind.HEAP_RELEASED, MemoryEventKind.GARBAGE_COLLECTION)) {
            assertTrue(r.isEnabled(k, false), k.name());
        }
        assertFalse(r.isEnabled(MemoryEventKind.POOL_STATISTICS, false));
        r.setVerbosity(PROFILE);
        assertTrue(r.isEnabled(MemoryEventKind.POOL_STATISTICS, false));
        assertTrue(r.isEnabled(MemoryEventKind.MEMORY_PRESSURE, false));
        assertTrue(r.isEnabled(MemoryEventKind.ALLOCATION_FAILED, false), "failures pass with any flag");
        assertFalse(r.isEnabled(MemoryEventKind.BUFFER_ALLOCATED, false));
    }

    @Test
    void largeOnlyDropsSmallPoolTransactions() {
        MemoryEventRouter r = new MemoryEventRouter(ALLOC | RELEASE | LARGE);
        assertFalse(r.isEnabled(MemoryEventKind.BUFFER_ALLOCATED, true));
        assertTrue(r.isEnabled(MemoryEventKind.BUFFER_ALLOCATED, false));
        assertFalse(r.isEnabled(MemoryEventKind.HEAP_RELEASED, true));
        assertTrue(r.isEnabled(MemoryEventKind.ALLOCATION_FAILED, true), "failures are never dropped");
    }

    @Test
    void sinksReceiveEventsAndAFailingSinkIsCountedNotPropagated() {
        MemoryEventRouter r = new MemoryEventRouter(ALLOC);
        List<MemoryEvent> got = new ArrayList<>();
        MemoryEventSink failing = e -> {
            throw new IllegalStateException("boom");
        };
        r.addSink(failing);
        r.addSink(got::add);
        MemoryEvent e = MemoryEvent.builder(MemoryEventKind.BUFFER_ALLOCATED).bufferId(7).alignedSize(4096).build();
        r.emit(e);
        assertEquals(List.of(e), got);
        assertEquals(1, r.sinkFailures());
        assertTrue(r.removeSink(failing));
        assertFalse(r.removeSink(failing));
        r.emit(e);
        assertEquals(1, r.sinkFailures());
        assertEquals(2, got.size());
        assertThrows(IllegalArgumentException.class, () -> r.setVerbosity(32));
        assertThrows(IllegalArgumentException.class, () -> r.setVerbosity(-1));
    }
}

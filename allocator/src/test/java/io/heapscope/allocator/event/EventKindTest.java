package io.heapscope.allocator.event;

import io.heapscope.allocator.DebugVerbosity;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The verbosity gate of each event kind: which flag selects it, and what LARGE_ONLY drops. */
class EventKindTest {
    private static final int ALLOC = DebugVerbosity.ALLOCATIONS.bit();
    private static final int RECYCLE = DebugVerbosity.RECYCLES.bit();
    private static final int RELEASE = DebugVerbosity.RELEASES.bit();
    private static final int PROFILE = DebugVerbosity.PROFILING.bit();
    private static final int LARGE = DebugVerbosity.LARGE_ONLY.bit();

    @Test
    void eachKindFollowsItsFlag() {
        for (EventKind k : EventKind.values()) {
            assertFalse(k.isSelectedBy(0, false), "SILENT: " + k);
        }
        assertTrue(EventKind.BUFFER_ALLOCATED.isSelectedBy(ALLOC, true));
        assertTrue(EventKind.HEAP_ALLOCATED.isSelectedBy(ALLOC, true));
        assertFalse(EventKind.BUFFER_RECYCLED.isSelectedBy(ALLOC, false));
        assertFalse(EventKind.BUFFER_FREED.isSelectedBy(ALLOC, false));
        assertTrue(EventKind.BUFFER_RECYCLED.isSelectedBy(RECYCLE, true));
        assertFalse(EventKind.BUFFER_ALLOCATED.isSelectedBy(RECYCLE, false));
        for (EventKind k : List.of(EventKind.BUFFER_FREED, EventKind.BUFFER_RELEASED, EventKind.HEAP_RELEASED,
                EventKind.GARBAGE_COLLECTION)) {
            assertTrue(k.isSelectedBy(RELEASE, false), k.name());
            assertFalse(k.isSelectedBy(ALLOC | RECYCLE | PROFILE, false), k.name());
        }
        assertTrue(EventKind.MEMORY_PRESSURE.isSelectedBy(PROFILE, false));
        assertFalse(EventKind.MEMORY_PRESSURE.isSelectedBy(ALLOC, false));
        assertTrue(EventKind.ALLOCATION_FAILED.isSelectedBy(PROFILE, false), "failures pass with any flag");
        assertTrue(EventKind.ALLOCATION_FAILED.isSelectedBy(RECYCLE, true), "failures pass with any flag");
        assertFalse(EventKind.BUFFER_ALLOCATED.isSelectedBy(PROFILE, false));
    }

    @Test
    void largeOnlyDropsSmallPoolTransactions() {
        int mask = ALLOC | RELEASE | PROFILE | LARGE;
        assertFalse(EventKind.BUFFER_ALLOCATED.isSelectedBy(mask, true));
        assertTrue(EventKind.BUFFER_ALLOCATED.isSelectedBy(mask, false));
        assertFalse(EventKind.HEAP_RELEASED.isSelectedBy(mask, true));
        assertTrue(EventKind.ALLOCATION_FAILED.isSelectedBy(mask, true), "failures are never dropped");
        assertTrue(EventKind.MEMORY_PRESSURE.isSelectedBy(mask, true), "pressure is allocator-wide");
    }
}

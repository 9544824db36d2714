package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A property over random operation sequences mixed with misuse (double frees, stale handles, stale views, handles of
 * another allocator, unknown addresses, bad sizes, unreadable scalar values, re-entrant callbacks, close in the
 * middle): every misuse throws the documented exception and leaves statistics and pools exactly as they were, no
 * access ever reaches another owner's bytes, and the internal invariants hold after every step. Seeded, so a failure
 * names the seed and step that reproduce it.
 */
class MisusePropertyTest {
    private static final int STEPS = 1500;

    static Stream<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (TestDevices.Backend b : TestDevices.backends()) {
            for (long seed : new long[]{1, 7, 42}) {
                out.add(new Object[]{b, seed});
            }
        }
        return out.stream();
    }

    private record Held(MpsBuffer buffer, MemorySegment view, byte tag) {
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("cases")
    @SuppressWarnings("try") // close() in the middle of the resource's scope is part of the property
    void misuseNeverChangesStateOrReachesAnotherOwner(TestDevices.Backend backend, long seed) {
        Random r = new Random(seed);
        try (Device d = backend.open(512 * MiB, r.nextBoolean());
             HeapAllocator a = HeapAllocator.builder(d).sinks(Set.of()).name("subject").build();
             HeapAllocator other = HeapAllocator.builder(d).sinks(Set.of()).name("other").build()) {
            List<Held> held = new ArrayList<>();
            List<MpsBuffer> stale = new ArrayList<>();
            List<MemorySegment> staleViews = new ArrayList<>();
            MpsBuffer foreign = other.malloc(4096, true);
            a.addCallback("reenter", (b, e) -> {
                if (e == CallbackEvent.RELEASED) {
                    a.stats(); // re-entry from a callback is allowed
                }
            });
            for (int step = 0; step < STEPS; step++) {
                String at = "seed " + seed + " step " + step;
                int op = r.nextInt(100);
                if (op < 35) {
                    long size = switch (r.nextInt(4)) {
                        case 0 -> 1 + r.nextInt(4096);
                        case 1 -> 4096 + r.nextInt(1 << 20);
                        case 2 -> (1 + r.nextInt(8)) * MiB;
                        default -> (8 + r.nextInt(40)) * MiB;
                    };
                    boolean shared = r.nextBoolean();
                    try {
                        MpsBuffer b = a.malloc(size, shared);
                        MemorySegment view = null;
                        byte tag = (byte) (1 + r.nextInt(120));
                        if (shared) {
                            view = b.contents();
                            view.set(ValueLayout.JAVA_BYTE, 0, tag);
                            view.set(ValueLayout.JAVA_BYTE, b.requestedSize() - 1, tag);
                        }
                        held.add(new Held(b, view, tag));
                    } catch (MpsOutOfMemoryException oom) {
                        assertTrue(oom.getMessage().contains("out of memory"), at);
                    }
                } else if (op < 60 && !held.isEmpty()) {
                    Held h = held.remove(r.nextInt(held.size()));
                    if (h.view() != null) {
                        assertEquals(h.tag(), h.view().get(ValueLayout.JAVA_BYTE, 0), at + ": bytes kept");
                        staleViews.add(h.view());
                    }
                    a.free(h.buffer());
                    stale.add(h.buffer());
                } else if (op < 68 && !stale.isEmpty()) {
                    MpsBuffer s = stale.get(r.nextInt(stale.size()));
                    misuse(a, IllegalStateException.class, () -> a.free(s), at + " double free");
                    if (s.isShared()) {
                        misuse(a, IllegalStateException.class, s::contents, at + " contents of a freed handle");
                    }
                } else if (op < 74 && !staleViews.isEmpty()) {
                    MemorySegment v = staleViews.get(r.nextInt(staleViews.size()));
                    misuse(a, IllegalStateException.class, () -> v.set(ValueLayout.JAVA_BYTE, 0, (byte) -1),
                            at + " write through a stale view");
                } else if (op < 78) {
                    misuse(a, IllegalArgumentException.class, () -> a.free(foreign), at + " foreign handle");
                } else if (op < 81) {
                    misuse(a, IllegalArgumentException.class, () -> a.free(0x10L + r.nextInt(4096)), at + " bad address");
                } else if (op < 85) {
                    long bad = switch (r.nextInt(3)) {
                        case 0 -> -r.nextInt(Integer.MAX_VALUE) - 1L;
                        case 1 -> 0;
                        default -> Long.MIN_VALUE;
                    };
                    misuse(a, IllegalArgumentException.class, () -> a.malloc(bad, r.nextBoolean()), at + " size " + bad);
                } else if (op < 88) {
                    Arena closed = Arena.ofConfined();
                    MemorySegment value = closed.allocate(4);
                    closed.close();
                    AllocatorStatistics before = a.stats();
                    try {
                        a.allocScalarBufferWithValue(value);
                        fail(at + ": a closed value was read");
                    } catch (IllegalStateException expected) {
                        d.stream().synchronize();
                        assertEquals(before.inUse().current(), a.stats().inUse().current(), at + " scalar returned");
                    }
                } else if (op < 92) {
                    a.emptyCache();
                } else {
                    d.stream().synchronize();
                    a.freeInactiveBuffers();
                }
                // every live buffer still holds its own bytes: no misuse reached it
                for (Held h : held) {
                    if (h.view() != null) {
                        assertEquals(h.tag(), h.view().get(ValueLayout.JAVA_BYTE, 0), at + ": " + h.buffer());
                        assertEquals(h.tag(), h.view().get(ValueLayout.JAVA_BYTE, h.buffer().requestedSize() - 1), at);
                    }
                }
                List<String> broken = a.invariantViolations();
                assertTrue(broken.isEmpty(), at + ": " + broken);
            }
            held.forEach(h -> a.free(h.buffer()));
            a.close();
            misuse(a, IllegalStateException.class, () -> a.malloc(4096, false), "malloc after close");
            d.stream().synchronize();
            assertEquals(0, a.getTotalAllocatedMemory(), "closed with nothing in use: nothing reserved");
            other.free(foreign);
        }
    }

    private static void misuse(HeapAllocator a, Class<? extends Exception> expected, Runnable call, String what) {
        AllocatorStatistics before = a.stats();
        List<PoolSnapshot> pools = a.poolSnapshots();
        try {
            call.run();
            fail(what + ": accepted");
        } catch (RuntimeException e) {
            assertTrue(expected.isInstance(e), what + ": threw " + e);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), what + ": message");
        }
        assertEquals(before, a.stats(), what + ": statistics unchanged");
        assertEquals(pools, a.poolSnapshots(), what + ": pools unchanged");
    }
}

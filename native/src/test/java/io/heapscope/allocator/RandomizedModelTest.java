package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.heapscope.allocator.Fixture.KiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of random malloc/free/scalar/emptyCache steps on a small device (so memory pressure, garbage collection
 * and out-of-memory all happen), checking after every step that the allocator's books agree with a simple model;
 * under both allocation policies.
 */
class RandomizedModelTest {
    private static final int STEPS = 3000;

    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (TestDevices.Backend b : TestDevices.backends()) {
            for (AllocationPolicy policy : AllocationPolicy.values()) {
                for (long seed : new long[]{1, 2, 3}) {
                    out.add(new Object[]{b, seed, seed % 2 == 1, policy});
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} seed {1} unified {2} policy {3}")
    @MethodSource("cases")
    void booksBalanceAfterEveryStep(TestDevices.Backend backend, long seed, boolean unified, AllocationPolicy policy) {
        Random rnd = new Random(seed);
        try (Device d = backend.open(384 * MiB, unified);
             HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(unified ? 0.6 : 0.5).policy(policy).build();
             Arena arena = Arena.ofConfined()) {
            List<MpsBuffer> held = new ArrayList<>();
            long mallocs = 0;
            long frees = 0;
            long ooms = 0;
            MemorySegment scalarValue = arena.allocate(8);
            for (int step = 0; step < STEPS; step++) {
                int op = rnd.nextInt(100);
                if (op < 50 || held.isEmpty()) {
                    long size = switch (rnd.nextInt(10)) {
                        case 0, 1, 2, 3, 4 -> 1 + rnd.nextInt((int) MiB);
                        case 5, 6, 7, 8 -> MiB + rnd.nextInt((int) (9 * MiB));
                        default -> 10 * MiB + rnd.nextInt((int) (60 * MiB));
                    };
                    try {
                        MpsBuffer b = a.malloc(size, rnd.nextBoolean() ? UsageFlags.SHARED : UsageFlags.PRIVATE);
                        mallocs++;
                        held.add(b);
                        if (b.isShared()) {
                            b.contents().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, b.id() * 31 + mallocs);
                        }
                    } catch (MpsOutOfMemoryException e) {
                        ooms++;
                    }
                } else if (op < 90) {
                    MpsBuffer b = held.remove(rnd.nextInt(held.size()));
                    a.free(b);
                    frees++;
                } else if (op < 97) {
                    scalarValue.set(ValueLayout.JAVA_LONG, 0, step);
                    MpsBuffer s;
                    try {
                        s = a.allocScalarBufferWithValue(scalarValue.asSlice(0, 1 + rnd.nextInt(8)));
                    } catch (MpsOutOfMemoryException e) {
                        ooms++;
                        check(a, d, held, mallocs, frees, ooms, step);
                        continue;
                    }
                    mallocs++;
                    assertEquals((byte) step, s.contents().get(ValueLayout.JAVA_BYTE, 0), "scalar value copied");
                    assertEquals(PoolKind.SCALAR, s.pool());
                    a.free(s);
                    frees++;
                    d.stream().synchronize(); // scalar frees complete on the stream
                } else {
                    a.emptyCache();
                }
                check(a, d, held, mallocs, frees, ooms, step);
            }
            assertTrue(a.stats().gcPasses() + a.stats().buffersReleased() > 0, "pressure paths were exercised");
            if (policy == AllocationPolicy.SPLIT) {
                assertTrue(a.stats().heapsReleased() > 0 && a.stats().gcPasses() > 0,
                        "empty heaps were released, under pressure too: " + a.stats());
                assertTrue(a.stats().buffersRecycled() > a.stats().buffersAllocated(),
                        "most requests were placed in cached heaps: " + a.stats());
            }
            held.forEach(a::free);
            a.emptyCache();
            assertEquals(0, a.getTotalAllocatedMemory());
            assertEquals(0, d.currentAllocatedSize());
        }
    }

    private static void check(HeapAllocator a, Device d, List<MpsBuffer> held, long mallocs, long frees, long ooms,
                              int step) {
        String at = "step " + step;
        Map<PoolKind, long[]> model = new EnumMap<>(PoolKind.class); // bytes, buffers
        long inUse = 0;
        TreeMap<Long, MpsBuffer> byAddress = new TreeMap<>();
        for (MpsBuffer b : held) {
            model.computeIfAbsent(b.pool(), k -> new long[2]);
            model.get(b.pool())[0] += b.size();
            model.get(b.pool())[1]++;
            inUse += b.size();
            MpsBuffer clash = byAddress.put(b.address(), b);
            if (clash != null) {
                fail(at + ": two live buffers at one address: " + b + " and " + clash);
            }
        }
        long end = Long.MIN_VALUE;
        for (MpsBuffer b : byAddress.values()) {
            assertTrue(b.address() >= end, at + ": " + b + " overlaps the buffer before it");
            end = b.address() + b.size();
        }
        AllocatorStatistics s = a.stats();
        assertEquals(inUse, a.getCurrentAllocatedMemory(), at);
        assertEquals(inUse, s.inUse().current(), at);
        assertEquals(mallocs, s.buffersAllocated() + s.buffersRecycled(), at);
        assertEquals(frees, s.buffersFreed(), at);
        assertEquals(ooms, s.outOfMemory(), at);
        long reserved = 0;
        for (PoolSnapshot p : a.poolSnapshots()) {
            long[] m = model.getOrDefault(p.kind(), new long[2]);
            assertEquals(m[0], p.inUse(), at + " " + p);
            assertEquals(p.allocated(), p.inUse() + p.cached(), at + " " + p);
            assertEquals(p.buffers(), m[1] + p.cachedBuffers(), at + " " + p);
            assertEquals(0, p.pendingFree(), at + " " + p);
            assertTrue(p.reserved() >= p.allocated(), at + " " + p);
            reserved += p.reserved();
        }
        assertEquals(reserved, a.getTotalAllocatedMemory(), at);
        assertEquals(reserved, d.currentAllocatedSize(), at + ": the device holds exactly the allocator's heaps");
        assertEquals(s.reserved().allocated() - s.reserved().freed(), reserved, at);
        for (MpsBuffer b : held) {
            if (b.isShared() && step % 50 == 0) {
                long tag = b.contents().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                assertTrue(tag != 0, at + ": contents of " + b + " lost");
            }
        }
        assertTrue(KiB > 0);
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** createHeapBlock: heap sizes by request size, memory kind and pressure, and the size constants. */
class HeapSizingTest {

    @Test
    void sizeConstantsAreTheSeeds() {
        assertEquals(MiB, SizeClasses.MAX_SMALL_ALLOC);
        assertEquals(10 * MiB, SizeClasses.MIN_LARGE_ALLOC);
        assertEquals(2 * MiB, SizeClasses.ROUND_LARGE);
        assertEquals(8 * MiB, SizeClasses.SMALL_HEAP);
        assertEquals(32 * MiB, SizeClasses.LARGE_HEAP);
        assertEquals(128 * MiB, SizeClasses.XLARGE_HEAP_DISCRETE);
        assertEquals(GiB, SizeClasses.XLARGE_HEAP_UNIFIED);
        assertEquals(8, SizeClasses.MAX_SCALAR_ALLOC);
    }

    @Test
    void sizingRule() {
        assertEquals(new HeapBlock.Sizing(8 * MiB, true), HeapBlock.sizing(4096, false, true));
        assertEquals(new HeapBlock.Sizing(8 * MiB, true), HeapBlock.sizing(MiB, false, true));
        assertEquals(new HeapBlock.Sizing(32 * MiB, true), HeapBlock.sizing(MiB + 4096, false, true));
        assertEquals(new HeapBlock.Sizing(32 * MiB, true), HeapBlock.sizing(10 * MiB - 4096, true, true));
        assertEquals(new HeapBlock.Sizing(GiB, true), HeapBlock.sizing(10 * MiB, false, true));
        assertEquals(new HeapBlock.Sizing(128 * MiB, true), HeapBlock.sizing(10 * MiB, false, false));
        // at or above half the extra-large heap: a single-buffer heap rounded up to 2 MiB
        assertEquals(new HeapBlock.Sizing(512 * MiB, false), HeapBlock.sizing(512 * MiB, false, true));
        assertEquals(new HeapBlock.Sizing(66 * MiB, false), HeapBlock.sizing(65 * MiB, false, false));
        // under memory pressure, no extra-large heap
        assertEquals(new HeapBlock.Sizing(22 * MiB, false), HeapBlock.sizing(21 * MiB, true, true));
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void heapsCreatedForRequestsHaveTheRuleSizes(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            a.malloc(100, false);
            assertEquals(8 * MiB, Fixture.poolReserved(a, PoolKind.PRIVATE_SMALL));
            a.malloc(2 * MiB, false);
            assertEquals(32 * MiB, Fixture.poolReserved(a, PoolKind.PRIVATE_LARGE));
            a.malloc(20 * MiB, true);
            assertEquals(GiB, Fixture.poolReserved(a, PoolKind.SHARED_LARGE));
            MpsBuffer big = a.malloc(600 * MiB + 1, false);
            assertEquals(32 * MiB + 602 * MiB, Fixture.poolReserved(a, PoolKind.PRIVATE_LARGE));
            assertEquals(8 * MiB + 32 * MiB + GiB + 602 * MiB, a.getTotalAllocatedMemory());
            assertEquals(a.getTotalAllocatedMemory(), d.currentAllocatedSize());
            assertEquals(4, a.stats().heapsAllocated());
            assertEquals(600 * MiB + 4096, big.size());
        }
        try (Device d = backend.open(4 * GiB, false); HeapAllocator a = HeapAllocator.builder(d).build()) {
            a.malloc(20 * MiB, false);
            assertEquals(128 * MiB, a.getTotalAllocatedMemory(), "discrete extra-large heap");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void smallRequestsShareOneHeapUntilItIsFull(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            for (int i = 0; i < 8; i++) {
                a.malloc(MiB, false); // eight 1 MiB buffers fill one 8 MiB heap
            }
            assertEquals(1, Fixture.snapshot(a, PoolKind.PRIVATE_SMALL).heaps());
            a.malloc(MiB, false);
            assertEquals(2, Fixture.snapshot(a, PoolKind.PRIVATE_SMALL).heaps());
            assertEquals(16 * MiB, a.getTotalAllocatedMemory());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void freeHeapLookupTakesTheHeapWithTheLeastRoomThatFits(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            // heap 1 gets 7 MiB used (1 MiB left), heap 2 gets 1 MiB used (7 MiB left)
            MpsBuffer[] h1 = new MpsBuffer[7];
            for (int i = 0; i < 7; i++) {
                h1[i] = a.malloc(MiB, false);
            }
            MpsBuffer fill = a.malloc(MiB, false);
            MpsBuffer h2 = a.malloc(MiB, false);
            assertTrue(h2.heapId() != fill.heapId(), "second heap");
            a.free(fill);
            a.emptyCache(); // releases the cached buffer: heap 1 has 1 MiB free, heap 2 (holding h2) has 7 MiB free
            assertEquals(2, Fixture.snapshot(a, PoolKind.PRIVATE_SMALL).heaps());
            MpsBuffer c = a.malloc(512 * 1024, false);
            assertEquals(h1[0].heapId(), c.heapId(), "the heap with the least room that fits is used");
            assertEquals(fill.address(), c.address(), "first fit inside it: where the released buffer was");
            assertEquals(16 * MiB, a.getTotalAllocatedMemory());
        }
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The out-of-memory error and what it carries; the retry chain that precedes it. */
class OutOfMemoryTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void highWatermarkStopsAllocationWithTheSeedsFacts(TestDevices.Backend backend) {
        // the seed rejects a low watermark above the high one, so both are set
        try (Device d = backend.open(256 * MiB, true);
             HeapAllocator a = HeapAllocator.builder(d).highWatermarkRatio(0.5).lowWatermarkRatio(0.4).build()) {
            List<MpsBuffer> held = new ArrayList<>();
            // the seed's limit is on (device allocated + request): with 32 MiB heaps of 2 MiB buffers, three full
            // heaps (96 MiB) and one buffer in a fourth reach the 128 MiB limit
            for (int i = 0; i < 49; i++) {
                held.add(a.malloc(2 * MiB, false));
            }
            AllocatorStatistics before = a.stats();
            MpsOutOfMemoryException e = assertThrows(MpsOutOfMemoryException.class, () -> a.malloc(2 * MiB, false));
            String m = e.getMessage();
            assertTrue(m.startsWith("MPS backend out of memory (MPS allocated: 128.00 MiB, other allocations: 0 bytes,"
                    + " max allowed: 128.00 MiB). Tried to allocate 2.00 MiB on private pool PRIVATE_LARGE."), m);
            assertTrue(m.contains("HIGH_WATERMARK_RATIO=0.0"), m);
            assertEquals(128 * MiB, e.allocatorReserved());
            assertEquals(0, e.otherAllocations());
            assertEquals(128 * MiB, e.maxAllowed());
            assertEquals(2 * MiB, e.triedToAllocate());
            assertEquals(PoolKind.PRIVATE_LARGE, e.pool());
            AllocatorStatistics after = a.stats();
            assertEquals(1, after.outOfMemory());
            assertEquals(before.inUse(), after.inUse(), "nothing changed in use");
            assertEquals(before.reserved().current(), after.reserved().current());
            // at the limit a cached buffer is not simply reused (get_free_buffer checks the limit first): the retry
            // chain releases it, its heap empties and goes back, and a new heap is made for the request
            a.free(held.removeLast());
            assertEquals(2 * MiB, a.malloc(2 * MiB, false).size());
            assertEquals(1, a.stats().heapsReleased());
            assertEquals(5, a.stats().heapsAllocated());
            assertEquals(128 * MiB, a.getTotalAllocatedMemory());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void withoutHighWatermarkTheDeviceRunningOutIsReported(TestDevices.Backend backend) {
        try (Device d = backend.open(64 * MiB, false);
             HeapAllocator a = HeapAllocator.builder(d).highWatermarkRatio(0).build()) {
            // no pressure yet: one 128 MiB extra-large heap holds two 60 MiB buffers; the third needs a heap of its
            // own, beyond what the device gives (the host device refuses heaps past twice its capacity)
            a.malloc(60 * MiB, true);
            a.malloc(60 * MiB, true);
            MpsOutOfMemoryException e = assertThrows(MpsOutOfMemoryException.class, () -> a.malloc(60 * MiB, true));
            assertTrue(e.getMessage().contains("Tried to allocate 60.00 MiB on shared pool SHARED_LARGE"), e.getMessage());
            assertFalse(e.getMessage().contains("max allowed"), e.getMessage());
            assertEquals(-1, e.maxAllowed());
            assertEquals(128 * MiB, a.getTotalAllocatedMemory());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void cachedBuffersAreReleasedToFitARequestBeforeGivingUp(TestDevices.Backend backend) {
        try (Device d = backend.open(1024 * MiB, true);
             HeapAllocator a = HeapAllocator.builder(d).highWatermarkRatio(0.125).lowWatermarkRatio(0).build()) {
            List<MpsBuffer> held = new ArrayList<>();
            for (int i = 0; i < 48; i++) { // three full 32 MiB heaps
                held.add(a.malloc(2 * MiB, false));
            }
            // free the third heap's sixteen buffers into the cache, then ask for something none of them fits
            for (int i = 0; i < 16; i++) {
                a.free(held.removeLast());
            }
            // 96 + 40 MiB is over the 128 MiB limit and no cached buffer fits: release cached buffers from the
            // largest down (all sixteen, 32 MiB, not enough, but their heap empties and goes back), then allocate
            MpsBuffer big = a.malloc(40 * MiB, false);
            assertEquals(40 * MiB, big.size());
            assertEquals(16, a.stats().buffersReleased());
            assertEquals(1, a.stats().heapsReleased());
            assertEquals(1, a.stats().allocationRetries());
            assertEquals(0, a.stats().outOfMemory());
        }
    }
}

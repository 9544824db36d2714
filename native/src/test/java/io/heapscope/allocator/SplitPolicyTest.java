package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.Properties;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.KiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AllocationPolicy#SPLIT}: free ranges split to fit, coalesce on free; CUDA segment sizes; the setting. */
class SplitPolicyTest {

    private static HeapAllocator split(Device d) {
        return HeapAllocator.builder(d).policy(AllocationPolicy.SPLIT).build();
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void heapsHaveTheCudaSegmentSizes(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, true); HeapAllocator a = split(d)) {
            a.malloc(64 * KiB, false);
            assertEquals(2 * MiB, a.getTotalAllocatedMemory(), "small requests share 2 MiB heaps");
            a.malloc(3 * MiB, false);
            assertEquals(22 * MiB, a.getTotalAllocatedMemory(), "1-10 MiB requests share 20 MiB heaps");
            a.malloc(33 * MiB + 5, false);
            assertEquals(22 * MiB + 34 * MiB, a.getTotalAllocatedMemory(), "larger ones: their size rounded to 2 MiB");
            assertEquals(AllocationPolicy.SPLIT, a.policy());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aFreedRangeIsSplitAndNeighboursCoalesce(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, false); HeapAllocator a = split(d)) {
            MpsBuffer x = a.malloc(6 * MiB, false);
            MpsBuffer y = a.malloc(6 * MiB, false);
            MpsBuffer z = a.malloc(6 * MiB, false); // one 20 MiB heap: x, y, z, 2 MiB left
            assertEquals(1, a.stats().heapsAllocated());
            a.free(x);
            MpsBuffer small = a.malloc(2 * MiB, false); // splits x's range
            assertEquals(x.address(), small.address(), "placed at the start of the freed range");
            assertEquals(1, a.stats().heapsAllocated(), "no new heap");
            a.free(small);
            a.free(y); // coalesces with x's range: 12 MiB free in a row
            MpsBuffer big = a.malloc(12 * MiB, false);
            assertEquals(x.address(), big.address(), "the coalesced range holds it");
            assertEquals(1, a.stats().heapsAllocated(), "still no new heap");
            assertEquals(4, a.stats().buffersRecycled(), "every request after the first was placed in a cached heap");
            PoolSnapshot p = Fixture.snapshot(a, PoolKind.PRIVATE_LARGE);
            assertEquals(0, p.cachedBuffers(), "freed ranges are not kept as buffers");
            assertEquals(18 * MiB, p.inUse());
            a.free(big);
            a.free(z);
            assertEquals(20 * MiB, a.getTotalAllocatedMemory(), "the empty heap stays cached");
            a.emptyCache();
            assertEquals(0, a.getTotalAllocatedMemory(), "emptyCache releases empty heaps");
            assertEquals(0, d.currentAllocatedSize());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aMissReleasesThePoolsEmptyHeapsBeforeMakingOne(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, false); HeapAllocator a = split(d)) {
            a.free(a.malloc(40 * MiB, false));
            assertEquals(40 * MiB, a.getTotalAllocatedMemory());
            a.free(a.malloc(30 * MiB, false)); // fits the cached empty heap: split there
            assertEquals(1, a.stats().heapsAllocated());
            MpsBuffer b = a.malloc(50 * MiB, false); // fits nowhere: the empty 40 MiB heap goes first
            assertEquals(50 * MiB, a.getTotalAllocatedMemory(), "peak not raised by a heap that could not be used");
            assertEquals(1, a.stats().heapsReleased());
            assertEquals(0, a.stats().gcPasses(), "no memory pressure: not a garbage collection");
            a.free(b);
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void underMemoryPressureTheReleaseIsAGarbageCollection(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, false);
             HeapAllocator a = HeapAllocator.builder(d).policy(AllocationPolicy.SPLIT).lowWatermarkRatio(0.1).build()) {
            a.free(a.malloc(200 * MiB, false)); // above the 102 MiB low watermark
            a.malloc(300 * MiB, false);
            assertEquals(1, a.stats().gcPasses());
            assertEquals(200 * MiB, a.stats().gcReclaimedBytes());
            assertEquals(300 * MiB, a.getTotalAllocatedMemory());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void pendingFreesReturnTheirRangeOnceTheDeviceLetsGo(TestDevices.Backend backend) throws Exception {
        try (Device d = backend.open(4 * GiB, false); HeapAllocator a = split(d)) {
            MpsBuffer b = a.malloc(4 * MiB, true);
            var release = Fixture.holdBusy(d, b.deviceBuffer());
            a.free(b);
            assertEquals(1, Fixture.snapshot(a, PoolKind.SHARED_LARGE).pendingFree());
            release.countDown();
            d.stream().synchronize();
            a.freeInactiveBuffers();
            assertEquals(0, Fixture.snapshot(a, PoolKind.SHARED_LARGE).pendingFree());
            MpsBuffer again = a.malloc(4 * MiB, true);
            assertEquals(b.address(), again.address(), "the range came back to its heap");
            a.free(again);
        }
    }

    @Test
    void theSettingSelectsThePolicy() {
        Properties p = new Properties();
        assertEquals(AllocationPolicy.FAITHFUL, AllocationPolicy.from(p, Map.of()), "default");
        assertEquals(AllocationPolicy.SPLIT, AllocationPolicy.from(p, Map.of("HEAPSCOPE_POLICY", "split")));
        p.setProperty("heapscope.policy", " Faithful ");
        assertEquals(AllocationPolicy.FAITHFUL, AllocationPolicy.from(p, Map.of("HEAPSCOPE_POLICY", "split")),
                "the system property wins");
        p.setProperty("heapscope.policy", "cuda");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AllocationPolicy.from(p, Map.of()));
        assertTrue(e.getMessage().contains("heapscope.policy='cuda'"), e.getMessage());
        assertTrue(e.getMessage().contains("faithful or split"), e.getMessage());
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.CountDownLatch;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** get_free_buffer's oversize policy: cached buffers more than kLargeHeap bigger than the request. */
class OversizePolicyTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void anExistingHeapWithRoomIsPreferredToAnOversizeBuffer(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer hundred = a.malloc(100 * MiB, false); // in a 1 GiB heap with 924 MiB left
            a.free(hundred);
            MpsBuffer twenty = a.malloc(20 * MiB, false);
            assertNotEquals(hundred.address(), twenty.address());
            assertEquals(1, a.stats().heapsAllocated());
            assertEquals(1, Fixture.snapshot(a, PoolKind.PRIVATE_LARGE).cachedBuffers(), "the oversize one stays cached");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void anIdleOversizeBufferIsReleasedAndItsSpaceReused(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer huge = a.malloc(600 * MiB, false); // a single-buffer heap, full
            a.free(huge);
            MpsBuffer twenty = a.malloc(20 * MiB, false);
            assertEquals(huge.address(), twenty.address(), "placed at the start of the emptied heap");
            assertEquals(huge.heapId(), twenty.heapId());
            AllocatorStatistics s = a.stats();
            assertEquals(1, s.heapsAllocated());
            assertEquals(1, s.buffersReleased());
            assertEquals(600 * MiB, a.getTotalAllocatedMemory(), "the heap itself is kept");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aBusyOversizeBufferIsReusedWithoutMemoryPressure(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, true);
             HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(0).build()) {
            MpsBuffer huge = a.malloc(600 * MiB, false);
            io.heapscope.device.Buffer hugeDevice = huge.deviceBuffer(); // kept: the handle is stale after free
            a.free(huge);
            CountDownLatch busy = Fixture.holdBusy(d, hugeDevice); // device work still uses it
            try {
                MpsBuffer twenty = a.malloc(20 * MiB, false);
                assertEquals(huge.address(), twenty.address());
                assertEquals(600 * MiB, twenty.size());
            } finally {
                busy.countDown();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aBusyOversizeBufferAndItsHeapAreReleasedUnderMemoryPressure(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true);
             HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(0.5).build()) {
            MpsBuffer huge = a.malloc(600 * MiB, false); // 600 MiB > low watermark of 512 MiB
            io.heapscope.device.Buffer hugeDevice = huge.deviceBuffer(); // kept: the handle is stale after free
            a.free(huge);
            CountDownLatch busy = Fixture.holdBusy(d, hugeDevice);
            MpsBuffer twenty;
            try {
                twenty = a.malloc(20 * MiB, false);
                assertNotEquals(huge.heapId(), twenty.heapId());
                assertEquals(20 * MiB, a.getTotalAllocatedMemory(), "old heap released; new heap sized under pressure");
                assertEquals(620 * MiB, d.currentAllocatedSize(), "the device frees the old heap only when work ends");
            } finally {
                busy.countDown();
            }
            d.stream().synchronize();
            assertEquals(20 * MiB, d.currentAllocatedSize());
            assertEquals(1, a.stats().heapsReleased());
        }
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Device;
import io.heapscope.allocator.event.AllocatorEvent;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** gc aging and garbage_collect_cached_buffers under memory pressure (low watermark reached). */
class GarbageCollectionTest {

    /** Low watermark 30 MiB under the 1 GiB heap, so a GC pass must reclaim 30 MiB. */
    private static final double LOW_RATIO = (1024.0 - 30.0) / 1024.0;

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void agedBuffersAreCollectedFirstAndOnlyUntilTheTargetIsMet(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true);
             HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(LOW_RATIO).verbosity(DebugVerbosity.RELEASES.bit())
                     .seedLog(false).build()) {
            List<AllocatorEvent.BufferReleased> released = new ArrayList<>();
            a.addListener(e -> {
                if (e instanceof AllocatorEvent.BufferReleased r) {
                    released.add(r);
                }
            });
            MpsBuffer older1 = a.malloc(20 * MiB, false); // no pressure yet: a split 1 GiB heap
            MpsBuffer older2 = a.malloc(20 * MiB, false);
            MpsBuffer younger = a.malloc(20 * MiB, false);
            MpsBuffer small = a.malloc(2 * MiB, false);
            a.free(older1);
            a.free(older2);
            for (int i = 0; i < 3; i++) { // three large-pool lookups age the cached buffers by three
                a.free(small);
                small = a.malloc(2 * MiB, false);
            }
            a.free(small);
            a.free(younger);
            assertTrue(a.getLowWatermarkValue() == 0, "pressure: the device holds more than the low watermark");

            MpsBuffer thirty = a.malloc(30 * MiB, false); // nothing cached fits; 30 MiB < 42 MiB cached: GC runs

            AllocatorStatistics s = a.stats();
            assertEquals(1, s.gcPasses());
            assertEquals(2, s.gcReleasedBuffers());
            assertEquals(40 * MiB, s.gcReclaimedBytes());
            assertEquals(0, a.getBufferId(older2.address()), "aged buffer released");
            assertEquals(younger.id(), a.getBufferId(younger.address()), "young buffer kept");
            assertEquals(small.id(), a.getBufferId(small.address()), "young buffer kept");
            assertEquals(2, released.size());
            // gc ages as the seed counts them: 4 lookups since caching (3 for small + the 30 MiB one)
            assertEquals(4, released.get(0).gcAge());
            assertEquals(4, released.get(1).gcAge());
            assertEquals(1, s.heapsAllocated(), "released space reused inside the split heap");
            assertEquals(older1.address(), thirty.address());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void noCollectionWithoutPressure(TestDevices.Backend backend) {
        try (Device d = backend.open(4 * GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            List<MpsBuffer> held = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                held.add(a.malloc(20 * MiB, false));
            }
            held.forEach(a::free);
            a.malloc(30 * MiB, false);
            assertEquals(0, a.stats().gcPasses());
            assertEquals(5, Fixture.snapshot(a, PoolKind.PRIVATE_LARGE).cachedBuffers());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void busyBuffersAreNotCollected(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true);
             HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(LOW_RATIO).build()) {
            MpsBuffer x = a.malloc(20 * MiB, false);
            io.heapscope.device.Buffer xDevice = x.deviceBuffer(); // kept: the handle is stale after free
            MpsBuffer y = a.malloc(20 * MiB, false);
            io.heapscope.device.Buffer yDevice = y.deviceBuffer(); // kept: the handle is stale after free
            a.free(x);
            a.free(y);
            var busy = Fixture.holdBusy(d, xDevice, yDevice);
            try {
                a.malloc(30 * MiB, false);
                assertEquals(0, a.stats().gcReleasedBuffers());
                assertEquals(x.id(), a.getBufferId(x.address()));
            } finally {
                busy.countDown();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void singleBufferHeapsAreReleasedWithTheirBuffer(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true);
             HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(0.25).build()) {
            MpsBuffer first = a.malloc(300 * MiB, false); // no pressure yet: 1 GiB split heap
            MpsBuffer second = a.malloc(300 * MiB, false);
            MpsBuffer third = a.malloc(300 * MiB, false);
            MpsBuffer lone = a.malloc(200 * MiB, false); // pressure: own 200 MiB heap, not split
            assertEquals(GiB + 200 * MiB, a.getTotalAllocatedMemory());
            a.free(lone);
            a.free(first);
            a.malloc(350 * MiB, false); // nothing cached fits; GC target 1224 - 256 MiB: frees both, lone's heap too
            assertEquals(2, a.stats().gcReleasedBuffers());
            assertEquals(1, a.stats().heapsReleased());
            // 300 MiB free in the split heap is too small: a new heap sized for the request under pressure
            assertEquals(GiB + 350 * MiB, a.getTotalAllocatedMemory());
            assertEquals(second.id(), a.getBufferId(second.address()));
            assertEquals(third.id(), a.getBufferId(third.address()));
        }
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The callbacks registry, the retry after ALLOCATION_FAILED, and statistics with resets. */
class CallbacksAndStatisticsTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void callbacksHearEveryKindOfEvent(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            List<String> heard = new ArrayList<>();
            a.addCallback("recorder", (b, e) -> heard.add(e + (b == null ? "" : "#" + b.id())));
            MpsBuffer b = a.malloc(4096, false);
            a.free(b);
            a.malloc(4096, false);
            MpsBuffer c = a.malloc(8192, false);
            a.free(c);
            a.emptyCache();
            assertEquals(List.of("ALLOCATED#1", "FREED#1", "RECYCLED#1", "ALLOCATED#2", "FREED#2", "RELEASED#2"), heard);
            assertTrue(a.removeCallback("recorder"));
            a.malloc(4096, false);
            assertEquals(6, heard.size(), "removed callbacks hear nothing");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aCallbackThatFreesMemoryLetsTheRetrySucceedFromThePool(TestDevices.Backend backend) {
        // no high watermark (at it, the seed's pool lookup refuses even cached buffers): the device itself runs out,
        // as the host device refuses heaps past twice its 64 MiB capacity
        try (Device d = backend.open(64 * MiB, true);
             HeapAllocator a = HeapAllocator.builder(d).highWatermarkRatio(0).lowWatermarkRatio(0.3).build()) {
            List<MpsBuffer> held = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                held.add(a.malloc(2 * MiB, false)); // four full 32 MiB heaps: all the device gives
            }
            List<CallbackEvent> failures = new ArrayList<>();
            // like a host-language GC running finalizers: the callback frees a buffer of the right size
            a.addCallback("gc", (b, e) -> {
                if (e == CallbackEvent.ALLOCATION_FAILED) {
                    assertNull(b);
                    failures.add(e);
                    if (!held.isEmpty()) {
                        a.free(held.removeLast());
                    }
                }
            });
            MpsBuffer got = a.malloc(2 * MiB, false);
            assertEquals(1, failures.size());
            assertEquals(2 * MiB, got.size());
            assertEquals(1, a.stats().allocationRetries());
            assertEquals(0, a.stats().buffersReleased());
            assertEquals(1, a.stats().buffersRecycled(), "served from the pool by the retry");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void statisticsTrackCurrentPeakAllocatedAndFreedWithResets(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer x = a.malloc(2 * MiB, false);
            MpsBuffer y = a.malloc(4 * MiB, false);
            a.free(x);
            AllocatorStatistics s = a.stats();
            assertEquals(new StatSnapshot(4 * MiB, 6 * MiB, 6 * MiB, 2 * MiB), s.inUse());
            assertEquals(new StatSnapshot(32 * MiB, 32 * MiB, 32 * MiB, 0), s.reserved());
            assertEquals(4 * MiB, a.getCurrentAllocatedMemory());
            assertEquals(32 * MiB, a.getTotalAllocatedMemory());
            a.resetPeakStats();
            assertEquals(4 * MiB, a.stats().inUse().peak());
            a.resetAccumulatedStats();
            s = a.stats();
            assertEquals(new StatSnapshot(4 * MiB, 4 * MiB, 0, 0), s.inUse());
            assertEquals(0, s.buffersAllocated());
            a.free(y);
            a.emptyCache();
            s = a.stats();
            assertEquals(new StatSnapshot(0, 32 * MiB, 0, 32 * MiB), s.reserved());
            assertEquals(2, s.buffersReleased());
            assertEquals(1, s.heapsReleased());
            assertEquals(List.of(0L, 0L, 0L, 0L, 0L), a.poolSnapshots().stream().map(PoolSnapshot::reserved).toList());
        }
    }
}

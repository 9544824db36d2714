package io.heapscope.backend.cuda;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.SpiFixtures;
import io.heapscope.device.Buffer;
import io.heapscope.device.DeviceEvent;
import io.heapscope.device.Heap;
import io.heapscope.device.StorageMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The CUDA backend against a real driver; skipped, with the reason, where none is present (CI). */
class CudaBackendTest {
    private static CudaDevice device;

    @BeforeAll
    static void open() {
        CudaDeviceProvider p = new CudaDeviceProvider();
        assumeTrue(p.unavailableReason().isEmpty(), () -> "no CUDA here: " + p.unavailableReason().orElse(""));
        device = (CudaDevice) p.open(Map.of());
    }

    @AfterAll
    static void close() {
        if (device != null) {
            device.close();
        }
    }


    @Test
    void copiesRoundTripIntoSubAllocatedBuffersAtNonZeroOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            for (StorageMode mode : new StorageMode[]{StorageMode.PRIVATE, StorageMode.SHARED}) {
                Heap h = device.newHeap(SpiFixtures.heap(8 << 20, mode));
                Buffer first = h.newBuffer(12_288, SpiFixtures.opts(mode));
                Buffer b = h.newBuffer(1 << 20, SpiFixtures.opts(mode));
                assertEquals(12_288, b.heapOffset());
                assertEquals(first.address() + 12_288, b.address());
                MemorySegment src = arena.allocate(100_000);
                for (int i = 0; i < 100_000; i++) {
                    src.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + mode.ordinal()));
                }
                device.stream().copyToBuffer(src, b, 4097);
                MemorySegment back = arena.allocate(100_000);
                device.stream().copyFromBuffer(b, 4097, back);
                assertEquals(-1, src.mismatch(back), mode + ": contents survive the round trip");
                if (mode == StorageMode.SHARED) {
                    assertEquals(-1, b.contents().asSlice(4097, 100_000).mismatch(src), "CPU view sees the device write");
                    b.contents().set(ValueLayout.JAVA_LONG, 0, 0x5eed_f00d_cafeL);
                    MemorySegment word = arena.allocate(8);
                    device.stream().copyFromBuffer(b, 0, word);
                    assertEquals(0x5eed_f00d_cafeL, word.get(ValueLayout.JAVA_LONG, 0), "device sees the CPU write");
                } else {
                    assertThrows(IllegalStateException.class, b::contents);
                }
                first.release();
                b.release();
                h.release();
            }
        }
    }

    @Test
    void handlersRunAfterQueuedWorkAndWorkHoldsItsBuffers() throws Exception {
        Heap h = device.newHeap(SpiFixtures.heap(1 << 20, StorageMode.PRIVATE));
        Buffer b = h.newBuffer(4096, SpiFixtures.opts(StorageMode.PRIVATE));
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger order = new AtomicInteger();
        int[] seen = new int[2];
        device.stream().submit(List.of(b), () -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen[0] = order.incrementAndGet();
        });
        device.stream().addCompletedHandler(() -> seen[1] = order.incrementAndGet());
        assertEquals(2, b.retainCount(), "held by queued work");
        DeviceEvent e = device.newEvent();
        e.record(device.stream());
        assertFalse(e.isSignalled());
        SpiFixtures.countDownLater(gate, 50);
        assertTrue(e.synchronize());
        device.stream().synchronize();
        assertEquals(1, seen[0]);
        assertEquals(2, seen[1]);
        assertEquals(1, b.retainCount());
        e.close();
        b.release();
        h.release();
    }

    @Test
    void driverErrorsCarryTheirNamesAndOutOfMemoryIsANullHeap() {
        CudaException e = assertThrows(CudaException.class,
                () -> device.driver().check("cuMemFree", device.driver().call(device.driver().cuMemFree, 0xdead_0000L)));
        assertTrue(e.errorName().startsWith("CUDA_ERROR_"), e.getMessage());
        long before = device.heapBytes();
        assertNull(device.newHeap(SpiFixtures.heap(1L << 44, StorageMode.PRIVATE)), "16 TiB: CUDA_ERROR_OUT_OF_MEMORY → null");
        assertEquals(before, device.heapBytes());
    }

    @Test
    void theAllocatorRunsOnCuda() {
        long usedBefore = device.currentAllocatedSize();
        try (HeapAllocator a = HeapAllocator.builder(device).build()) {
            MpsBuffer x = a.malloc(3 << 20, false);
            assertTrue(device.currentAllocatedSize() - usedBefore >= 32 << 20, "the driver sees the 32 MiB heap");
            a.free(x);
            MpsBuffer y = a.malloc(3 << 20, false);
            assertEquals(x.address(), y.address(), "recycled");
            MpsBuffer s = a.malloc(4096, true);
            s.contents().set(ValueLayout.JAVA_INT, 0, 42);
            a.free(y);
            a.free(s);
            a.emptyCache();
            assertEquals(0, a.getTotalAllocatedMemory());
            assertEquals(0, device.heapBytes());
            assertTrue(device.recommendedMaxWorkingSetSize() > 1L << 30, device.name());
        }
    }

    @Test
    void cachedPairsMakeNoDriverQueryAndTheGaugeFollowsTheDriver() {
        try (HeapAllocator a = HeapAllocator.builder(device).build()) {
            a.free(a.malloc(1 << 20, false));
            long queries = device.memInfoQueries();
            long start = System.nanoTime();
            for (int i = 0; i < 200_000; i++) {
                a.free(a.malloc(1 << 20, false));
            }
            long elapsed = System.nanoTime() - start;
            long made = device.memInfoQueries() - queries;
            long allowed = elapsed / 10_000_000L + 2; // the periodic refresh only: one per 10 ms
            assertTrue(made <= allowed, made + " cuMemGetInfo calls for 200,000 cached pairs in " + elapsed / 1_000_000
                    + " ms; at most " + allowed + " allowed");
            long[] info = device.memInfo();
            long driverUsed = info[1] - info[0];
            // right after a refresh the gauge equals the driver's figure (others may allocate meanwhile: 64 MiB slack)
            assertTrue(Math.abs(device.currentAllocatedSize() - driverUsed) <= 64L << 20,
                    device.currentAllocatedSize() + " vs driver " + driverUsed);
        }
    }
}

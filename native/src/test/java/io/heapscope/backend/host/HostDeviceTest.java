package io.heapscope.backend.host;

import io.heapscope.backend.SpiFixtures;
import io.heapscope.device.Buffer;
import io.heapscope.device.DeviceEvent;
import io.heapscope.device.Heap;
import io.heapscope.device.StorageMode;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The host backend's Metal-like semantics: lazy heaps, placement, retain counts, the in-order stream, events. */
class HostDeviceTest {
    private static final long MiB = 1 << 20;


    private static long rssKiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void aThreeGibHeapIsCommittedOnlyWhereTouched() throws Exception {
        try (HostDevice d = HostDevice.builder().capacity(4L << 30).build()) {
            long before = rssKiB();
            Heap h = d.newHeap(SpiFixtures.heap(3L << 30, StorageMode.SHARED));
            Buffer b = h.newBuffer(2L << 30, SpiFixtures.opts(StorageMode.SHARED));
            b.contents().set(ValueLayout.JAVA_LONG, (1L << 30) + 8, 42L);
            assertEquals(42L, b.contents().get(ValueLayout.JAVA_LONG, (1L << 30) + 8));
            long grown = rssKiB() - before;
            assertTrue(grown < 64 * 1024, "RSS grew by " + grown + " KiB for a 3 GiB heap");
            assertEquals(3L << 30, d.currentAllocatedSize());
            b.release();
            h.release();
            assertEquals(0, d.currentAllocatedSize());
            assertEquals(0, d.liveHeapCount());
        }
    }

    @Test
    void buffersRetainTheirHeapAndReturnTheirExtent() {
        try (HostDevice d = HostDevice.builder().capacity(64 * MiB).build()) {
            Heap h = d.newHeap(SpiFixtures.heap(8 * MiB, StorageMode.PRIVATE));
            Buffer a = h.newBuffer(MiB, SpiFixtures.opts(StorageMode.PRIVATE));
            Buffer b = h.newBuffer(MiB + 1, SpiFixtures.opts(StorageMode.PRIVATE));
            assertEquals(0, a.heapOffset());
            assertEquals(MiB, b.heapOffset());
            assertEquals(b.address() - a.address(), MiB);
            assertEquals(3, h.retainCount());
            assertEquals(8 * MiB - 2 * MiB - 4096, h.maxAvailableSize(4096));
            assertNull(h.newBuffer(7 * MiB, SpiFixtures.opts(StorageMode.PRIVATE)), "does not fit: null, like Metal's nil");
            h.release(); // the allocator lets go; the buffers keep the heap alive
            assertEquals(8 * MiB, d.currentAllocatedSize());
            a.release();
            b.release();
            assertEquals(0, d.currentAllocatedSize(), "unmapped with the last buffer");
            assertThrows(IllegalStateException.class, a::release, "released twice");
        }
    }

    @Test
    void privateBuffersHaveNoContentsSharedOnesDo() {
        try (HostDevice d = HostDevice.builder().capacity(64 * MiB).build()) {
            Buffer p = d.newHeap(SpiFixtures.heap(MiB, StorageMode.PRIVATE)).newBuffer(4096, SpiFixtures.opts(StorageMode.PRIVATE));
            assertTrue(assertThrows(IllegalStateException.class, p::contents).getMessage().contains("private"));
            Buffer s = d.newHeap(SpiFixtures.heap(MiB, StorageMode.SHARED)).newBuffer(4096, SpiFixtures.opts(StorageMode.SHARED));
            assertEquals(4096, s.contents().byteSize());
        }
    }

    @Test
    void heapsBeyondTwiceTheCapacityAreRefused() {
        try (HostDevice d = HostDevice.builder().capacity(16 * MiB).build()) {
            assertNotNull(d.newHeap(SpiFixtures.heap(32 * MiB, StorageMode.PRIVATE)));
            assertNull(d.newHeap(SpiFixtures.heap(4096, StorageMode.PRIVATE)));
        }
    }

    @Test
    void streamRunsWorkInOrderAndHoldsBuffersUntilDone() throws Exception {
        try (HostDevice d = HostDevice.builder().capacity(64 * MiB).build()) {
            Buffer b = d.newHeap(SpiFixtures.heap(MiB, StorageMode.SHARED)).newBuffer(4096, SpiFixtures.opts(StorageMode.SHARED));
            List<Integer> order = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch gate = new CountDownLatch(1);
            d.stream().submit(List.of(b), () -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                order.add(0);
            });
            for (int i = 1; i <= 100; i++) {
                int n = i;
                if (i % 10 == 0) {
                    d.stream().addCompletedHandler(() -> order.add(n));
                } else {
                    d.stream().submit(List.of(), () -> order.add(n));
                }
            }
            assertEquals(2, b.retainCount(), "held by the queued work");
            DeviceEvent e = d.newEvent();
            e.record(d.stream());
            assertFalse(e.isSignalled());
            SpiFixtures.countDownLater(gate, 50);
            assertTrue(e.synchronize(), "had to wait");
            assertEquals(1, b.retainCount());
            d.stream().synchronize();
            for (int i = 0; i <= 100; i++) {
                assertEquals(i, order.get(i));
            }
            assertFalse(e.synchronize(), "already signalled");
        }
    }

    @Test
    void failingWorkIsReportedOnceAndTheStreamGoesOn() {
        try (HostDevice d = HostDevice.builder().capacity(64 * MiB).build()) {
            d.stream().submit(List.of(), () -> {
                throw new ArithmeticException("kernel failed");
            });
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.stream().synchronize());
            assertTrue(e.getCause() instanceof ArithmeticException);
            d.stream().synchronize(); // reported once
            boolean[] ran = {false};
            d.stream().addCompletedHandler(() -> {
                d.stream().synchronize(); // from the stream thread: must not deadlock
                ran[0] = true;
            });
            d.stream().synchronize();
            assertTrue(ran[0]);
        }
    }

    @Test
    void copiesRoundTripAtNonZeroOffsetsForBothStorageModes() {
        try (HostDevice d = HostDevice.builder().capacity(64 * MiB).build(); Arena arena = Arena.ofConfined()) {
            for (StorageMode mode : new StorageMode[]{StorageMode.PRIVATE, StorageMode.SHARED}) {
                Heap h = d.newHeap(SpiFixtures.heap(MiB, mode));
                h.newBuffer(8192, SpiFixtures.opts(mode)); // so the next buffer is not at the heap start
                Buffer b = h.newBuffer(65536, SpiFixtures.opts(mode));
                MemorySegment src = arena.allocate(1000);
                for (int i = 0; i < 1000; i++) {
                    src.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + mode.ordinal()));
                }
                d.stream().copyToBuffer(src, b, 12345);
                MemorySegment back = arena.allocate(1000);
                d.stream().copyFromBuffer(b, 12345, back);
                assertEquals(-1, src.mismatch(back), mode + " round trip");
                assertThrows(IndexOutOfBoundsException.class, () -> d.stream().copyToBuffer(src, b, 65000));
            }
        }
    }

    @Test
    void settingsAreValidated() {
        HostDevice d = HostDevice.open(Map.of("capacity", "1g", "unified", "false", "maxBufferLength", "256m"));
        try (d) {
            assertEquals(1L << 30, d.recommendedMaxWorkingSetSize());
            assertFalse(d.hasUnifiedMemory());
            assertEquals(256 * MiB, d.maxBufferLength());
        }
        assertThrows(IllegalArgumentException.class, () -> HostDevice.open(Map.of("unified", "maybe")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostDevice.open(Map.of("colour", "red")))
                .getMessage().contains("colour"));
        assertThrows(IllegalArgumentException.class, () -> HostDevice.builder().capacity(10));
    }
}

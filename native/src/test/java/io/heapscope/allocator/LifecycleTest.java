package io.heapscope.allocator;

import io.heapscope.backend.host.HostDevice;
import io.heapscope.device.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** close() and emptyCache() give everything back, whatever order and whatever was left in flight. */
class LifecycleTest {

    private static HeapAllocator allocator(Device d) {
        return HeapAllocator.builder(d).sinks(Set.of()).build();
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void scalarFreedAfterCloseIsReleasedWithItsHeapAndCannotBeFreedTwice(TestDevices.Backend backend) {
        try (Device d = backend.open(Fixture.GiB, true)) {
            HeapAllocator a = allocator(d);
            MpsBuffer scalar;
            try (Arena arena = Arena.ofConfined()) {
                scalar = a.allocScalarBufferWithValue(arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1.5f));
            }
            a.close();
            a.free(scalar);
            d.stream().synchronize(); // the scalar free completes on the stream
            assertEquals(0, a.getTotalAllocatedMemory(), "the 8 MiB scalar heap went back");
            assertEquals(0, a.getCurrentAllocatedMemory());
            assertThrows(IllegalStateException.class, () -> a.free(scalar), "a second free is a double free");
        }
    }

    @Test
    void closeRacingScalarFreesNeverLeaksTheScalarHeap() throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (HostDevice d = TestDevices.host(Fixture.GiB)) {
                HeapAllocator a = allocator(d);
                List<MpsBuffer> scalars = new ArrayList<>();
                try (Arena arena = Arena.ofConfined()) {
                    for (int i = 0; i < 8; i++) {
                        scalars.add(a.allocScalarBufferWithValue(arena.allocateFrom(ValueLayout.JAVA_INT, i)));
                    }
                }
                CountDownLatch go = new CountDownLatch(1);
                Thread freer = Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    scalars.forEach(a::free);
                });
                go.countDown();
                a.close();
                freer.join();
                d.stream().synchronize();
                assertEquals(0, a.getTotalAllocatedMemory(), "attempt " + attempt + ": nothing reserved");
                assertEquals(0, d.liveHeapCount(), "attempt " + attempt + ": no heap alive");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aScalarWhoseValueCannotBeReadGoesBack(TestDevices.Backend backend) {
        try (Device d = backend.open(Fixture.GiB, true); HeapAllocator a = allocator(d)) {
            Arena closed = Arena.ofConfined();
            MemorySegment value = closed.allocate(8);
            closed.close();
            assertThrows(IllegalStateException.class, () -> a.allocScalarBufferWithValue(value));
            d.stream().synchronize();
            assertEquals(0, a.getCurrentAllocatedMemory(), "nothing in use");
            PoolSnapshot scalar = Fixture.snapshot(a, PoolKind.SCALAR);
            assertEquals(scalar.buffers(), scalar.cachedBuffers(), "the scalar buffer is back in its pool");
            MemorySegment foreign = Arena.ofConfined().allocate(8); // confined to this thread
            Thread other = Thread.ofPlatform().unstarted(() -> assertThrows(RuntimeException.class,
                    () -> a.allocScalarBufferWithValue(foreign)));
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            d.stream().synchronize();
            assertEquals(0, a.getCurrentAllocatedMemory(), "nothing in use after a foreign-thread value either");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void emptySplitHeapsLeftByGarbageCollectionGoBackOnEmptyCacheAndClose(TestDevices.Backend backend) {
        try (Device d = backend.open(256 * MiB, true)) {
            HeapAllocator a = HeapAllocator.builder(d).sinks(Set.of()).lowWatermarkRatio(0.05).build();
            List<MpsBuffer> eight = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                eight.add(a.malloc(8 * MiB, false));
            }
            eight.forEach(a::free);
            a.free(a.malloc(40 * MiB, false)); // under pressure: GC empties a split heap and keeps it
            a.emptyCache();
            assertEquals(0, a.getTotalAllocatedMemory(), "emptyCache released every heap");
            a.close();
            assertEquals(0, a.getTotalAllocatedMemory());
            if (d instanceof HostDevice h) {
                assertEquals(0, h.liveHeapCount(), "no device heap alive");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void buffersFreedAfterCloseAreReleasedNotCached(TestDevices.Backend backend) {
        try (Device d = backend.open(Fixture.GiB, true)) {
            HeapAllocator a = allocator(d);
            MpsBuffer small = a.malloc(5000, true);
            MpsBuffer large = a.malloc(20 * MiB, false);
            a.close();
            assertTrue(a.getTotalAllocatedMemory() > 0, "buffers in use keep their heaps");
            a.free(small);
            a.free(large);
            assertEquals(0, a.getTotalAllocatedMemory(), "freed after close: released with their heaps");
            assertTrue(a.poolSnapshots().stream().allMatch(p -> p.buffers() == 0 && p.heaps() == 0));
            if (d instanceof HostDevice h) {
                assertEquals(0, h.liveHeapCount());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void closingTheDeviceFirstStillEndsClean(TestDevices.Backend backend) {
        Device d = backend.open(Fixture.GiB, true);
        HeapAllocator a = allocator(d);
        a.free(a.malloc(20 * MiB, false));
        d.close();
        a.close(); // threw "stream is closed" before, every time
        a.close();
        assertTrue(a.isClosed());
        assertEquals(0, a.getTotalAllocatedMemory());
        assertFalse(AllocatorRegistry.liveAllocators().contains(a), "unregistered");
    }

    @Test
    void afterCloseNoHeapIsMapped() throws Exception {
        try (HostDevice d = TestDevices.host(Fixture.GiB)) {
            HeapAllocator a = allocator(d);
            List<Long> bases = new ArrayList<>();
            for (long size : new long[]{100, 5000, 3 * MiB, 40 * MiB}) {
                MpsBuffer b = a.malloc(size, true);
                bases.add(b.address());
                a.free(b);
            }
            a.close();
            assertEquals(0, d.liveHeapCount());
            String maps = Files.readString(Path.of("/proc/self/maps"));
            for (long address : bases) {
                for (String line : maps.split("\n")) {
                    String[] range = line.split(" ")[0].split("-");
                    long from = Long.parseUnsignedLong(range[0], 16);
                    long to = Long.parseUnsignedLong(range[1], 16);
                    assertFalse(address >= from && address < to,
                            "0x" + Long.toHexString(address) + " still mapped: " + line);
                }
            }
        }
    }

    @Test
    void invalidSettingsLeaveNothingBehind() {
        try (HostDevice d = TestDevices.host(Fixture.GiB)) {
            int before = AllocatorRegistry.size();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HeapAllocator.builder(d).highWatermarkRatio(1.0).lowWatermarkRatio(1.5).build());
            assertTrue(e.getMessage().contains("1.5") && e.getMessage().contains("1.0"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> HeapAllocator.builder(d).highWatermarkRatio(3).build());
            assertTrue(AllocatorRegistry.size() <= before, "nothing registered");
        }
    }

    @Test
    void droppedAllocatorsAndDevicesAccumulateNothing() throws Exception {
        int threadsBefore = Thread.activeCount();
        for (int i = 0; i < 1000; i++) {
            HostDevice d = TestDevices.host(64 * MiB);
            HeapAllocator a = HeapAllocator.builder(d).build(); // default telemetry attached, never closed
            a.free(a.malloc(4096, false));
        }
        Thread.sleep(1000 + 500); // idle stream workers end
        System.gc();
        Thread.sleep(200);
        AllocatorRegistry.liveAllocators(); // purges cleared entries
        assertTrue(AllocatorRegistry.size() < 50, "registry holds " + AllocatorRegistry.size());
        assertTrue(Thread.activeCount() < threadsBefore + 20, "threads: " + Thread.activeCount() + " (before "
                + threadsBefore + ")");
    }

}

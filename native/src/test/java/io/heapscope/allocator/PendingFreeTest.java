package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Buffers the device still holds: pending frees and freeInactiveBuffers, the scalar pool freed on stream completion,
 * heap size updates deferred to completion, emptyCache waiting for the stream, events.
 */
class PendingFreeTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aBufferFreedWhileBusyWaitsUntilTheDeviceLetsGo(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer b = a.malloc(64 * 1024, false);
            CountDownLatch busy = Fixture.holdBusy(d, b.deviceBuffer());
            assertEquals(2, b.deviceBuffer().retainCount());
            a.free(b);
            assertEquals(1, Fixture.snapshot(a, PoolKind.PRIVATE_SMALL).pendingFree());
            assertEquals(0, Fixture.snapshot(a, PoolKind.PRIVATE_SMALL).cachedBuffers());
            assertThrows(IllegalStateException.class, () -> a.free(b), "a pending buffer cannot be freed twice");
            MpsBuffer other = a.malloc(64 * 1024, false);
            assertNotEquals(b.address(), other.address(), "not recycled while busy");
            a.freeInactiveBuffers();
            assertEquals(1, Fixture.snapshot(a, PoolKind.PRIVATE_SMALL).pendingFree(), "still busy");
            busy.countDown();
            d.stream().synchronize(); // the completion handler returns it to the pool
            PoolSnapshot s = Fixture.snapshot(a, PoolKind.PRIVATE_SMALL);
            assertEquals(0, s.pendingFree());
            assertEquals(1, s.cachedBuffers());
            assertEquals(b.address(), a.malloc(64 * 1024, false).address());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void scalarBuffersHoldTheirValueAndReturnOnStreamCompletion(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build();
             Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            value.set(ValueLayout.JAVA_LONG, 0, 0x0123_4567_89ab_cdefL);
            MpsBuffer scalar = a.allocScalarBufferWithValue(value);
            assertEquals(PoolKind.SCALAR, scalar.pool());
            assertEquals(0x0123_4567_89ab_cdefL, scalar.contents().get(ValueLayout.JAVA_LONG, 0));
            CountDownLatch busy = Fixture.holdBusy(d, scalar.deviceBuffer());
            a.free(scalar);
            assertEquals(scalar.size(), a.getCurrentAllocatedMemory(), "freed only once the stream completes");
            busy.countDown();
            d.stream().synchronize();
            assertEquals(0, a.getCurrentAllocatedMemory());
            assertEquals(1, Fixture.snapshot(a, PoolKind.SCALAR).cachedBuffers());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void heapSizeUpdateIsDeferredWhileAReleasedBufferIsStillRetained(TestDevices.Backend backend) {
        // capacity 2 GiB: low watermark 1 GiB (reached by the first heap), high watermark 3.4 GiB
        try (Device d = backend.open(2 * GiB, true); HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(0.5).build()) {
            MpsBuffer first = a.malloc(100 * MiB, false); // no pressure yet: a split 1 GiB heap
            io.heapscope.device.Buffer firstDevice = first.deviceBuffer(); // kept: the handle is stale after free
            MpsBuffer fill = a.malloc(900 * MiB, false);  // same heap, 24 MiB left at its end
            a.free(first);
            CountDownLatch busy = Fixture.holdBusy(d, firstDevice);
            try {
                // oversize, busy, under pressure, no heap with room: the cached buffer is released while the device
                // still holds it, so its heap's free space can only be counted once the work completes
                MpsBuffer fifty = a.malloc(50 * MiB, false);
                assertNotEquals(first.heapId(), fifty.heapId());
                assertEquals(1, a.stats().buffersReleased());
                assertEquals(0, a.stats().heapsReleased(), "the heap still holds another buffer");
            } finally {
                busy.countDown();
            }
            d.stream().synchronize(); // runs the deferred heap update
            MpsBuffer again = a.malloc(90 * MiB, false);
            assertEquals(first.heapId(), again.heapId(), "the freed 100 MiB are now known to the pool");
            assertEquals(first.address(), again.address());
            assertEquals(2, a.stats().heapsAllocated());
            assertEquals(fill.heapId(), again.heapId());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void emptyCacheWaitsForTheStreamWithoutHoldingTheLock(TestDevices.Backend backend) throws Exception {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer cached = a.malloc(2 * MiB, false);
            io.heapscope.device.Buffer cachedDevice = cached.deviceBuffer(); // kept: the handle is stale after free
            a.free(cached);
            CountDownLatch busy = Fixture.holdBusy(d, cachedDevice);
            Thread emptier = Thread.ofPlatform().start(a::emptyCache);
            Thread.sleep(100);
            assertTrue(emptier.isAlive(), "emptyCache waits for the device");
            MpsBuffer meanwhile = a.malloc(4096, false); // the lock is free while it waits
            busy.countDown();
            emptier.join(10_000);
            assertFalse(emptier.isAlive());
            assertEquals(0, a.getBufferId(cached.address()), "released once the device let go");
            assertEquals(8 * MiB, a.getTotalAllocatedMemory(), "only the small heap of the buffer in use is left");
            a.free(meanwhile);
            a.emptyCache();
            assertEquals(0, a.getTotalAllocatedMemory());
            assertEquals(0, d.currentAllocatedSize());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void eventsRecordedOnSharedBuffersAreWaitedFor(TestDevices.Backend backend) throws Exception {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer shared = a.malloc(4096, true);
            MpsBuffer priv = a.malloc(4096, false);
            assertFalse(a.recordEvents(priv.address()), "private buffers get no event");
            assertFalse(a.waitForEvents(shared.address()), "nothing recorded, nothing to wait for");
            CountDownLatch busy = Fixture.holdBusy(d, shared.deviceBuffer());
            assertTrue(a.recordEvents(shared.address()));
            Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                }
                busy.countDown();
            });
            assertTrue(a.waitForEvents(shared.address()), "waited until the device let the buffer go");
            assertEquals(1, shared.deviceBuffer().retainCount());
            assertFalse(a.waitForEvents(shared.address()), "not busy any more");
        }
    }
}

package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.KiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** get_free_buffer: best-fit reuse of cached buffers ordered by (size, address), ids, shapes. */
class BufferReuseTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void freedBufferIsRecycledForTheSameSize(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer first = a.malloc(3 * MiB, false);
            a.free(first);
            MpsBuffer again = a.malloc(3 * MiB, false);
            assertEquals(first.address(), again.address());
            assertEquals(first.id(), again.id(), "the buffer id survives recycling");
            assertEquals(first.id(), a.getBufferId(again.address()));
            assertEquals(0, a.getBufferId(7));
            AllocatorStatistics s = a.stats();
            assertEquals(1, s.buffersAllocated());
            assertEquals(1, s.buffersRecycled());
            assertEquals(1, s.buffersFreed());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void bestFitTakesTheSmallestCachedBufferThatFits(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer b64 = a.malloc(64 * KiB, false);
            MpsBuffer b256 = a.malloc(256 * KiB, false);
            MpsBuffer b128 = a.malloc(128 * KiB, false);
            a.free(b64);
            a.free(b256);
            a.free(b128);
            MpsBuffer got = a.malloc(100 * KiB, false);
            assertEquals(b128.address(), got.address());
            assertEquals(128 * KiB, got.size());
            assertEquals(100 * KiB, got.requestedSize(), "requested size is the new user's");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void equalSizesAreTakenInAddressOrder(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer x = a.malloc(64 * KiB, false);
            MpsBuffer y = a.malloc(64 * KiB, false);
            MpsBuffer low = x.address() < y.address() ? x : y;
            a.free(y);
            a.free(x);
            assertEquals(low.address(), a.malloc(64 * KiB, false).address());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void cachedBufferWithinTheLargeHeapSlackIsReusedForASmallerRequest(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer big = a.malloc(512 * KiB, false);
            a.free(big);
            MpsBuffer small = a.malloc(4 * KiB, false);
            assertEquals(big.address(), small.address(), "512 KiB <= 4 KiB + kLargeHeap: not oversize");
            assertEquals(512 * KiB, small.size());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void shapeIsKeptUntilTheBufferIsFreed(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer b = a.malloc(4096, false);
            assertArrayEquals(new long[0], a.getBufferShape(b.address()));
            long[] shape = {2, 3, 4};
            a.setBufferShape(b.address(), shape);
            shape[0] = 99; // the allocator keeps its own copy
            assertArrayEquals(new long[]{2, 3, 4}, a.getBufferShape(b.address()));
            a.free(b);
            assertArrayEquals(new long[0], a.getBufferShape(b.address()), "free resets the shape");
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void sharedBufferPointerGivesCpuContentsAndRetainCount(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer shared = a.malloc(8192, true);
            SharedBufferPointer p = a.getSharedBufferPtr(shared.address());
            assertTrue(p.isPresent());
            assertEquals(1, p.retainCount());
            p.contents().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 0x1234_5678_9abcL);
            assertEquals(0x1234_5678_9abcL, shared.contents().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
            MpsBuffer priv = a.malloc(8192, false);
            assertEquals(SharedBufferPointer.NONE, a.getSharedBufferPtr(priv.address()));
            assertEquals(SharedBufferPointer.NONE, a.getSharedBufferPtr(1));
            assertNotEquals(shared.address(), priv.address());
        }
    }
}

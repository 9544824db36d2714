package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** get_pool and get_allocation_size: which of the five pools a request lands in, and its aligned size. */
class PoolSelectionTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void poolsFollowUsageAndAlignedSize(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB(2), true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            assertEquals(PoolKind.PRIVATE_SMALL, a.malloc(100, UsageFlags.PRIVATE).pool());
            assertEquals(PoolKind.SHARED_SMALL, a.malloc(100, UsageFlags.SHARED).pool());
            assertEquals(PoolKind.PRIVATE_SMALL, a.malloc(MiB, UsageFlags.PRIVATE).pool(), "exactly 1 MiB is small");
            assertEquals(PoolKind.PRIVATE_LARGE, a.malloc(MiB + 1, UsageFlags.PRIVATE).pool());
            assertEquals(PoolKind.SHARED_LARGE, a.malloc(2 * MiB, UsageFlags.SHARED).pool());
            assertEquals(PoolKind.SCALAR, a.malloc(4, UsageFlags.SCALAR).pool());
            MpsBuffer shared = a.malloc(64, true);
            assertTrue(shared.isShared());
            assertTrue(a.isSharedBuffer(shared.address()));
            assertFalse(a.isSharedBuffer(a.malloc(64, false).address()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void scalarSizedRequestsGoToTheSharedSmallPoolOnUnifiedMemoryOnly(TestDevices.Backend backend) {
        try (Device unified = backend.open(GiB(1), true); HeapAllocator a = HeapAllocator.builder(unified).build()) {
            assertEquals(PoolKind.SHARED_SMALL, a.malloc(8, UsageFlags.PRIVATE).pool());
            assertEquals(PoolKind.PRIVATE_SMALL, a.malloc(9, UsageFlags.PRIVATE).pool());
        }
        try (Device discrete = backend.open(GiB(1), false); HeapAllocator a = HeapAllocator.builder(discrete).build()) {
            assertEquals(PoolKind.PRIVATE_SMALL, a.malloc(8, UsageFlags.PRIVATE).pool());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void allocationSizeComesFromTheDevicesSizeAndAlign(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB(1), true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            var sa = d.heapBufferSizeAndAlign(5000, UsageFlags.resourceOptions(UsageFlags.PRIVATE));
            long expected = (sa.size() + sa.align() - 1) / sa.align() * sa.align();
            MpsBuffer b = a.malloc(5000, UsageFlags.PRIVATE);
            assertEquals(expected, b.size());
            assertEquals(5000, b.requestedSize());
            assertEquals(5000, a.getUnalignedBufferSize(b.address()));
            assertEquals(-1, a.getUnalignedBufferSize(12345), "unknown address");
            assertEquals(b.size(), a.getCurrentAllocatedMemory());
        }
    }

    @org.junit.jupiter.api.Test
    void resourceOptionsFollowUsageFlags() {
        var opts = UsageFlags.resourceOptions(UsageFlags.SHARED | UsageFlags.HAZARD);
        assertEquals(io.heapscope.device.StorageMode.SHARED, opts.storageMode());
        assertEquals(io.heapscope.device.HazardTrackingMode.TRACKED, opts.hazardTrackingMode());
        assertEquals(io.heapscope.device.StorageMode.PRIVATE, UsageFlags.resourceOptions(UsageFlags.PRIVATE).storageMode());
        assertEquals(io.heapscope.device.StorageMode.MANAGED,
                UsageFlags.resourceOptions(UsageFlags.MANAGED | UsageFlags.SHARED).storageMode());
        assertEquals(io.heapscope.device.HazardTrackingMode.UNTRACKED,
                UsageFlags.resourceOptions(PoolKind.SCALAR.usage()).hazardTrackingMode());
        // Metal's bit layout: storage mode << 4, hazard tracking << 8
        assertEquals((0L << 4) | (2L << 8), opts.bits());
        assertEquals(opts, io.heapscope.device.ResourceOptions.fromBits(opts.bits()));
    }

    static long GiB(long n) {
        return n * Fixture.GiB;
    }
}

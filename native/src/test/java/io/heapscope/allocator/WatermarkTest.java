package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** setHigh/LowWatermarkRatio, their limits and bounds, getLowWatermarkValue, memory figures. */
class WatermarkTest {

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void defaultsAreTheSeeds(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            assertEquals(1.7, a.getHighWatermarkRatio());
            assertEquals(1.4, a.getLowWatermarkRatio());
            assertEquals((long) (1.7 * GiB), a.getHighWatermarkLimit());
            assertEquals((long) (1.4 * GiB), a.getLowWatermarkLimit());
            assertEquals(GiB, a.getRecommendedMaxMemory());
            assertEquals((long) (1.4 * GiB) / MiB, a.getLowWatermarkValue());
        }
        try (Device d = backend.open(GiB, false); HeapAllocator a = HeapAllocator.builder(d).build()) {
            assertEquals(1.0, a.getLowWatermarkRatio(), "discrete default");
            assertEquals(GiB, a.getLowWatermarkLimit());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void lowWatermarkValueCountsMebibytesLeftAndStopsAtZero(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).lowWatermarkRatio(0.5).build()) {
            assertEquals(512, a.getLowWatermarkValue());
            a.malloc(2 * MiB, false); // a 32 MiB heap
            assertEquals(480, a.getLowWatermarkValue());
            assertEquals(32 * MiB, a.getDriverAllocatedMemory());
            a.malloc(600 * MiB, false);
            assertEquals(0, a.getLowWatermarkValue(), "past the limit");
            a.setLowWatermarkRatio(0);
            assertEquals(Long.MAX_VALUE, a.getLowWatermarkValue(), "disabled");
            assertEquals(Long.MAX_VALUE, a.getLowWatermarkLimit());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void ratiosOutsideTheirBoundsAreRejectedAndLeaveTheLimitsUnchanged(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            long high = a.getHighWatermarkLimit();
            long low = a.getLowWatermarkLimit();
            for (double bad : new double[]{-0.1, 2.01, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.setHighWatermarkRatio(bad));
                assertTrue(e.getMessage().contains("invalid high watermark ratio " + bad), e.getMessage());
                assertTrue(e.getMessage().contains("2.0"), "names the limit: " + e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.setLowWatermarkRatio(1.8));
            assertTrue(e.getMessage().contains("invalid low watermark ratio 1.8"), e.getMessage());
            assertTrue(e.getMessage().contains("1.7"), "names the high ratio as the limit: " + e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> a.setLowWatermarkRatio(-1));
            assertEquals(high, a.getHighWatermarkLimit());
            assertEquals(low, a.getLowWatermarkLimit());
            assertEquals(1.7, a.getHighWatermarkRatio());
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void zeroHighWatermarkMeansUnlimitedAndLetsTheLowOneGoToTwo(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            a.setHighWatermarkRatio(0);
            assertEquals(Long.MAX_VALUE, a.getHighWatermarkLimit());
            a.setLowWatermarkRatio(2.0);
            assertEquals(2 * GiB, a.getLowWatermarkLimit());
            assertThrows(IllegalArgumentException.class, () -> a.setLowWatermarkRatio(2.1));
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void builderRejectsABadInitialRatio(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true)) {
            assertThrows(IllegalArgumentException.class, () -> HeapAllocator.builder(d).highWatermarkRatio(3).build());
            assertThrows(IllegalArgumentException.class, () -> HeapAllocator.builder(d).lowWatermarkRatio(1.9).build());
        }
    }
}

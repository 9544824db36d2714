package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static io.heapscope.allocator.Fixture.GiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets a clear exception naming the value, and leaves the allocator as it was. */
class BadInputTest {

    private static void rejects(HeapAllocator a, Class<? extends Exception> type, String mustContain, Executable call) {
        AllocatorStatistics before = a.stats();
        List<PoolSnapshot> poolsBefore = a.poolSnapshots();
        Exception e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(mustContain), "message '" + e.getMessage() + "' names " + mustContain);
        assertEquals(before, a.stats(), "statistics unchanged");
        assertEquals(poolsBefore, a.poolSnapshots(), "pools unchanged");
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void badSizesUsagesAndAddresses(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsBuffer live = a.malloc(4096, false);
            MpsBuffer freed = a.malloc(8192, false);
            a.free(freed);
            long max = d.maxBufferLength();
            rejects(a, IllegalArgumentException.class, "0 bytes", () -> a.malloc(0, false));
            rejects(a, IllegalArgumentException.class, "-5 bytes", () -> a.malloc(-5, false));
            rejects(a, IllegalArgumentException.class, Long.toString(max), () -> a.malloc(max, false));
            rejects(a, IllegalArgumentException.class, "0x40", () -> a.malloc(16, 0x40));
            rejects(a, IllegalStateException.class, "double free", () -> a.free(freed));
            rejects(a, IllegalStateException.class, "double free", () -> a.free(freed.address()));
            rejects(a, IllegalArgumentException.class, "0x1234", () -> a.free(0x1234));
            rejects(a, IllegalArgumentException.class, "0x99", () -> a.setBufferShape(0x99, new long[]{1}));
            rejects(a, IllegalArgumentException.class, "-1.0", () -> a.setHighWatermarkRatio(-1));
            rejects(a, IllegalArgumentException.class, "NaN", () -> a.setLowWatermarkRatio(Double.NaN));
            rejects(a, IllegalArgumentException.class, "99", () -> a.setDebugVerbosity(99));
            a.free(live);
            rejects(a, IllegalStateException.class, "double free", () -> a.free(live));
            MpsBuffer recycled = a.malloc(4096, false);
            assertEquals(live.address(), recycled.address());
            rejects(a, IllegalStateException.class, "double free", () -> a.free(live)); // stale handle, reused buffer
            a.free(recycled); // the current handle still works
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void closedAllocatorRefusesAllocations(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true)) {
            HeapAllocator a = HeapAllocator.builder(d).build();
            a.close();
            assertTrue(assertThrows(IllegalStateException.class, () -> a.malloc(1, false)).getMessage().contains("closed"));
        }
    }
}

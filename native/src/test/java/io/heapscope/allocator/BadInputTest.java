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

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void extremeSizesAreRejectedWithTheValueAndTheLimit(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).build()) {
            for (long size : new long[]{Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}) {
                rejects(a, IllegalArgumentException.class, Long.toString(size), () -> a.malloc(size, 0));
            }
            rejects(a, IllegalArgumentException.class, "max buffer length", () -> a.malloc(Long.MIN_VALUE, 0));
        }
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void aHandleOfAnotherAllocatorIsNotADoubleFree(TestDevices.Backend backend) {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).name("a").build();
             HeapAllocator b = HeapAllocator.builder(d).name("b").build()) {
            MpsBuffer fromB = b.malloc(5000, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.free(fromB));
            assertTrue(e.getMessage().contains("belongs to allocator b") && !e.getMessage().contains("double free"),
                    e.getMessage());
            b.free(fromB); // still live in its own allocator
            assertEquals(0, b.getCurrentAllocatedMemory());
        }
    }

    @org.junit.jupiter.api.Test
    void aRefusedHeapIsNamedInTheOutOfMemoryError() {
        try (Device d = TestDevices.host(64 * Fixture.MiB); HeapAllocator a = HeapAllocator.builder(d).build()) {
            MpsOutOfMemoryException e = assertThrows(MpsOutOfMemoryException.class, () -> a.malloc(10 * Fixture.MiB, false));
            assertTrue(e.getMessage().contains("refused a new private heap of 1024.00 MiB"), e.getMessage());
            assertTrue(!e.getMessage().contains("WATERMARK_RATIO=0.0"), "no advice that cannot help: " + e.getMessage());
        }
    }

    /** Under the split policy heaps are sized by it: the error names the heap that policy asked for. */
    @org.junit.jupiter.api.Test
    void aRefusedHeapIsNamedWithTheSplitPolicysSize() {
        try (Device d = TestDevices.host(64 * Fixture.MiB);
             HeapAllocator a = HeapAllocator.builder(d).policy(AllocationPolicy.SPLIT).highWatermarkRatio(0)
                     .lowWatermarkRatio(0).build()) {
            // the host device takes heaps up to twice its capacity: two 50 MiB heaps, then a third is refused
            MpsBuffer first = a.malloc(50 * Fixture.MiB, false);
            MpsBuffer second = a.malloc(50 * Fixture.MiB, false);
            MpsOutOfMemoryException e = assertThrows(MpsOutOfMemoryException.class, () -> a.malloc(50 * Fixture.MiB, false));
            assertTrue(e.getMessage().contains("refused a new private heap of 50.00 MiB"), e.getMessage());
            a.free(first);
            a.free(second);
        }
    }

    @org.junit.jupiter.api.Test
    void badSettingsNameTheVariableAndTheLimit() {
        java.util.Properties p = new java.util.Properties();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                AllocatorConfig.from(p, java.util.Map.of("HEAPSCOPE_HIGH_WATERMARK_RATIO", "2.5")));
        assertTrue(e.getMessage().contains("HEAPSCOPE_HIGH_WATERMARK_RATIO") && e.getMessage().contains("2.0"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () ->
                AllocatorConfig.from(p, java.util.Map.of("PYTORCH_MPS_LOW_WATERMARK_RATIO", "-1")));
        assertTrue(e.getMessage().contains("PYTORCH_MPS_LOW_WATERMARK_RATIO"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AllocatorConfig.from(p,
                java.util.Map.of("HEAPSCOPE_HIGH_WATERMARK_RATIO", "1.0", "HEAPSCOPE_LOW_WATERMARK_RATIO", "1.5")));
        assertTrue(e.getMessage().contains("HEAPSCOPE_LOW_WATERMARK_RATIO") && e.getMessage().contains("1.0"),
                e.getMessage());
        for (String bad : new String[]{"b", "", "kb", "12x", "-4g"}) {
            IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
                    () -> io.heapscope.backend.Sizes.parse("heapscope.host.capacity", bad));
            assertTrue(s.getMessage().contains("heapscope.host.capacity"), s.getMessage());
        }
    }
}

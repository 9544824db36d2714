package io.heapscope.allocator;

import io.heapscope.device.Device;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.heapscope.allocator.Fixture.GiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Threads allocate shared buffers, fill every byte with a pattern of their own, and verify it before freeing: no
 * corruption, no buffer handed to two owners, none lost; under both allocation policies.
 */
class ConcurrencyStressTest {
    private static final int THREADS = 4;
    private static final int OPS = 2500;

    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (TestDevices.Backend b : TestDevices.backends()) {
            for (AllocationPolicy policy : AllocationPolicy.values()) {
                out.add(new Object[]{b, policy});
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} policy {1}")
    @MethodSource("cases")
    void sharedBuffersAreNeverCorruptedOrDoublyOwned(TestDevices.Backend backend, AllocationPolicy policy)
            throws Exception {
        try (Device d = backend.open(GiB, true); HeapAllocator a = HeapAllocator.builder(d).policy(policy).build()) {
            Set<Long> owned = ConcurrentHashMap.newKeySet();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> run(a, owned, thread)));
            }
            long checkedBytes = 0;
            for (Future<Long> f : results) {
                checkedBytes += f.get();
            }
            pool.shutdown();
            assertTrue(checkedBytes > 0);
            assertTrue(owned.isEmpty());
            assertEquals(0, a.getCurrentAllocatedMemory(), "every buffer came back");
            AllocatorStatistics s = a.stats();
            long mallocs = s.buffersAllocated() + s.buffersRecycled();
            assertEquals(mallocs, s.buffersFreed(), "every malloc freed once");
            assertTrue(mallocs >= (long) THREADS * OPS / 3, "each op allocates or frees: " + mallocs);
            assertTrue(s.buffersRecycled() > s.buffersAllocated(), "the cache was exercised: " + s);
        }
    }

    private static long run(HeapAllocator a, Set<Long> owned, int thread) {
        Random rnd = new Random(thread);
        List<MpsBuffer> mine = new ArrayList<>();
        List<Long> patterns = new ArrayList<>();
        long checked = 0;
        for (int op = 0; op < OPS; op++) {
            if (mine.size() < 16 && (mine.isEmpty() || rnd.nextBoolean())) {
                long size = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 3 << 20 : 64 << 10);
                MpsBuffer b = a.malloc(size, true);
                if (!owned.add(b.address())) {
                    throw new AssertionError("buffer at 0x" + Long.toHexString(b.address()) + " handed out twice");
                }
                long pattern = pattern(thread, op);
                fill(b.contents(), b.requestedSize(), pattern);
                mine.add(b);
                patterns.add(pattern);
            } else {
                int i = rnd.nextInt(mine.size());
                MpsBuffer b = mine.remove(i);
                checked += verify(b, patterns.remove(i));
                owned.remove(b.address());
                a.free(b);
            }
        }
        for (int i = 0; i < mine.size(); i++) {
            MpsBuffer b = mine.get(i);
            checked += verify(b, patterns.get(i));
            owned.remove(b.address());
            a.free(b);
        }
        return checked;
    }


    private static long pattern(int thread, int op) {
        return ((long) thread << 56) | ((long) op << 16) | 0xA5A5;
    }

    private static void fill(MemorySegment m, long length, long pattern) {
        long words = length / 8;
        for (long i = 0; i < words; i++) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, i * 8, pattern ^ i);
        }
        for (long i = words * 8; i < length; i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) pattern);
        }
    }

    private static long verify(MpsBuffer b, long pattern) {
        MemorySegment m = b.contents();
        long words = b.requestedSize() / 8;
        for (long i = 0; i < words; i++) {
            long v = m.get(ValueLayout.JAVA_LONG_UNALIGNED, i * 8);
            if (v != (pattern ^ i)) {
                throw new AssertionError("corruption in " + b + " at word " + i + ": " + Long.toHexString(v));
            }
        }
        for (long i = words * 8; i < b.requestedSize(); i++) {
            if (m.get(ValueLayout.JAVA_BYTE, i) != (byte) pattern) {
                throw new AssertionError("corruption in " + b + " at byte " + i);
            }
        }
        return b.requestedSize();
    }
}

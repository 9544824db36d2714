package io.heapscope.jmc.rules;

import io.heapscope.telemetry.testing.TestAllocator;
import io.heapscope.telemetry.testing.TestAllocator.Stats;

/**
 * Workloads that trip one rule each, and a clean one that trips none. Each allocation site is its own method, so that
 * the rules' grouping by the application's frame sees distinct frames.
 */
final class Workloads {
    static final long KiB = 1024;
    static final long MiB = 1024 * KiB;
    static final long GiB = 1024 * MiB;
    static final String SHARED_SMALL = "SHARED_SMALL";
    static final String PRIVATE_SMALL = "PRIVATE_SMALL";
    static final String PRIVATE_LARGE = "PRIVATE_LARGE";

    private Workloads() {
    }

    static Stats stats(long reserved, long inUse, int pendingFree, long pendingFreeBytes, long highLimit) {
        return new Stats(reserved, inUse, reserved - inUse, 1, 8, 2, pendingFree, pendingFreeBytes, highLimit,
                highLimit * 3 / 4, reserved, reserved == 0 ? 0 : (reserved - inUse) / (double) reserved);
    }

    // ---- clean: every rule stays OK ----

    /**
     * Steady training-like steps: buffers allocated, freed (not retained), recycled, freed again; pools mostly in use;
     * a framework that takes its memory at start and reuses it; a few cached buffers released and not needed again;
     * and buffers allocated in the last moments (not leak suspects: the last 10% of the recording is ignored).
     */
    static void clean() throws InterruptedException {
        TestAllocator a = new TestAllocator(1, "clean");
        a.heapAllocated(PRIVATE_LARGE, 1, 80 * MiB);
        a.heapAllocated(SHARED_SMALL, 2, 8 * MiB);
        frameworkPoolAtStartup();
        for (int step = 0; step < 10; step++) {
            trainingStep(a, step);
            a.poolStatistics(PRIVATE_LARGE, stats(80 * MiB, 64 * MiB, 0, 0, 1 * GiB));
            a.poolStatistics(SHARED_SMALL, stats(8 * MiB, 6 * MiB, 0, 0, 1 * GiB));
            frameworkReuse(step);
            Thread.sleep(5);
        }
        releaseIdleCache(a);
        Thread.sleep(150);
        lastMomentAllocations(a);
    }

    private static void trainingStep(TestAllocator a, int step) {
        for (int i = 0; i < 16; i++) {
            long id = 100 + i;
            if (step == 0) {
                a.allocate(PRIVATE_LARGE, id, 4 * MiB);
            } else {
                a.recycle(PRIVATE_LARGE, id, 4 * MiB);
            }
        }
        for (int i = 0; i < 16; i++) {
            a.free(PRIVATE_LARGE, 100 + i, 4 * MiB, 1);
        }
        for (int i = 0; i < 12; i++) {
            long id = 500 + i;
            if (step == 0) {
                a.allocate(SHARED_SMALL, id, 512 * KiB);
            } else {
                a.recycle(SHARED_SMALL, id, 512 * KiB);
            }
            a.free(SHARED_SMALL, id, 512 * KiB, 1);
        }
    }

    private static void releaseIdleCache(TestAllocator a) {
        for (int i = 0; i < 4; i++) {
            a.release(PRIVATE_LARGE, 100 + i, 4 * MiB, 5);
        }
        a.garbageCollection(PRIVATE_LARGE, 4, 16 * MiB, 16 * MiB);
    }

    private static void lastMomentAllocations(TestAllocator a) {
        for (int i = 0; i < 6; i++) {
            a.allocate(PRIVATE_LARGE, 900 + i, 1 * MiB);
        }
    }

    private static void frameworkPoolAtStartup() {
        for (int i = 0; i < 8; i++) {
            TestAllocator.frameworkAllocated("netty", 1 + i, 4 * MiB);
        }
    }

    private static void frameworkReuse(int step) {
        TestAllocator.frameworkAllocated("jdk.direct", 1000 + step, 1 * MiB);
        TestAllocator.frameworkReleased("jdk.direct", 1000 + step, 1 * MiB);
    }

    // ---- fragmentation ----

    /** PRIVATE_LARGE reserves 1 GiB in eight 128 MiB heaps but never has more than 92 MiB in use. */
    static void fragmentedPool() {
        TestAllocator a = new TestAllocator(2, "fragmented");
        for (int i = 0; i < 8; i++) {
            long inUse = (64 + 4 * i) * MiB;
            a.poolStatistics(PRIVATE_LARGE, new Stats(1 * GiB, inUse, 1 * GiB - inUse, 8, 40, 30, 0, 0, 4 * GiB,
                    3 * GiB, 1 * GiB + 8 * MiB, 0.9));
            a.poolStatistics(SHARED_SMALL, stats(8 * MiB, 7 * MiB, 0, 0, 4 * GiB));
        }
    }

    /** The same without pool statistics: eight 64 MiB heaps for at most 64 MiB of buffers in use. */
    static void fragmentedPoolFromEvents() {
        TestAllocator a = new TestAllocator(3, "fragmented-events");
        for (int h = 1; h <= 8; h++) {
            a.heapAllocated(PRIVATE_LARGE, h, 64 * MiB);
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 8; i++) {
                a.allocate(PRIVATE_LARGE, 10 + round * 8 + i, 8 * MiB);
            }
            for (int i = 0; i < 8; i++) {
                a.free(PRIVATE_LARGE, 10 + round * 8 + i, 8 * MiB, 1);
            }
        }
    }

    /** One 1 GiB heap (the unit of reservation of large pools) holding 20 MiB: slack, not fragmentation. */
    static void oneLargeHeapLightlyUsed() {
        TestAllocator a = new TestAllocator(11, "one-heap");
        a.heapAllocated(PRIVATE_LARGE, 1, 1 * GiB);
        a.allocate(PRIVATE_LARGE, 1, 20 * MiB);
        a.free(PRIVATE_LARGE, 1, 20 * MiB, 1);
    }

    // ---- allocation failures ----

    static void failingAllocations() {
        TestAllocator a = new TestAllocator(4, "failing");
        loadActivations(a);
        loadHugeTensor(a);
    }

    private static void loadActivations(TestAllocator a) {
        a.allocationFailed(PRIVATE_LARGE, 64 * MiB, false, "device out of memory: 64.00 MiB requested");
        a.allocationFailed(PRIVATE_SMALL, 512 * KiB, false, "device out of memory: 512.00 KiB requested");
    }

    private static void loadHugeTensor(TestAllocator a) {
        a.allocationFailed(PRIVATE_LARGE, 2 * GiB, true,
                "MPS backend out of memory (high watermark reached): 2.00 GiB requested");
    }

    // ---- leak suspects ----

    /** 12 buffers never freed from one site, a tidy site, then 8 unfreed buffers in the last moments. */
    static void leakingCache() throws InterruptedException {
        TestAllocator a = new TestAllocator(5, "leaky");
        for (int i = 0; i < 12; i++) {
            cacheEmbeddingsWithoutFree(a, 100 + i);
            tidyStep(a, 500 + i);
            Thread.sleep(2);
        }
        Thread.sleep(150);
        prefetchNextBatch(a);
    }

    /** Only the unfreed buffers of the last moments: nothing to suspect. */
    static void onlyRecentAllocationsUnfreed() throws InterruptedException {
        TestAllocator a = new TestAllocator(6, "recent");
        for (int i = 0; i < 12; i++) {
            tidyStep(a, 500 + i);
            Thread.sleep(2);
        }
        Thread.sleep(150);
        prefetchNextBatch(a);
    }

    /** 30 buffers of 4 bytes never freed (as FFM's global arena does): under the 1 MiB floor, no suspect. */
    static void tinyUnfreedAllocations() throws InterruptedException {
        TestAllocator a = new TestAllocator(12, "tiny");
        for (int i = 0; i < 30; i++) {
            a.allocate(SHARED_SMALL, 10 + i, 4);
        }
        Thread.sleep(150);
        a.allocate(SHARED_SMALL, 99, 4);
        a.free(SHARED_SMALL, 99, 4, 1);
    }

    private static void cacheEmbeddingsWithoutFree(TestAllocator a, long id) {
        a.allocate(PRIVATE_LARGE, id, 2 * MiB);
    }

    private static void tidyStep(TestAllocator a, long id) {
        a.allocate(PRIVATE_LARGE, id, 1 * MiB);
        a.free(PRIVATE_LARGE, id, 1 * MiB, 1);
    }

    private static void prefetchNextBatch(TestAllocator a) {
        for (int i = 0; i < 8; i++) {
            a.allocate(PRIVATE_LARGE, 900 + i, 4 * MiB);
        }
    }

    // ---- pending frees ----

    /** 20 of 24 frees of PRIVATE_SMALL find the buffer still retained by queued device work. */
    static void pendingFrees() {
        TestAllocator a = new TestAllocator(7, "pending");
        for (int i = 0; i < 24; i++) {
            a.allocate(PRIVATE_SMALL, 10 + i, 512 * KiB);
        }
        freeWhileKernelRuns(a);
        for (int i = 20; i < 24; i++) {
            a.free(PRIVATE_SMALL, 10 + i, 512 * KiB, 1);
        }
        a.poolStatistics(PRIVATE_SMALL, stats(16 * MiB, 2 * MiB, 20, 10 * MiB, 4 * GiB));
    }

    private static void freeWhileKernelRuns(TestAllocator a) {
        for (int i = 0; i < 20; i++) {
            a.free(PRIVATE_SMALL, 10 + i, 512 * KiB, 2);
        }
    }

    // ---- garbage-collection churn ----

    /** Ten rounds: garbage collection releases a 16 MiB cached buffer, the next step allocates 16 MiB again. */
    static void gcChurn() {
        TestAllocator a = new TestAllocator(8, "churning");
        for (int round = 0; round < 10; round++) {
            a.memoryPressure(PRIVATE_LARGE, true, 768 * MiB, 800 * MiB);
            a.release(PRIVATE_LARGE, 10 + round, 16 * MiB, 3);
            a.garbageCollection(PRIVATE_LARGE, 1, 16 * MiB, 32 * MiB);
            a.allocate(PRIVATE_LARGE, 100 + round, 16 * MiB);
            a.free(PRIVATE_LARGE, 100 + round, 16 * MiB, 1);
        }
    }

    /** The same pattern with 64 KiB buffers: 640 KiB re-created in all is below the rule's 8 MiB floor. */
    static void tinyGcChurn() {
        TestAllocator a = new TestAllocator(10, "tiny-churn");
        for (int round = 0; round < 10; round++) {
            a.release(SHARED_SMALL, 10 + round, 64 * KiB, 3);
            a.garbageCollection(SHARED_SMALL, 1, 64 * KiB, 128 * KiB);
            a.allocate(SHARED_SMALL, 100 + round, 64 * KiB);
            a.free(SHARED_SMALL, 100 + round, 64 * KiB, 1);
        }
    }

    // ---- watermark ----

    /** In use climbs to 980 MiB under a 1 GiB high watermark limit. */
    static void nearHighWatermark() {
        TestAllocator a = new TestAllocator(9, "near-limit");
        a.heapAllocated(PRIVATE_LARGE, 1, 1000 * MiB);
        for (int i = 0; i < 49; i++) {
            a.allocate(PRIVATE_LARGE, 10 + i, 20 * MiB);
        }
        a.poolStatistics(PRIVATE_LARGE, stats(1000 * MiB, 980 * MiB, 0, 0, 1 * GiB));
    }

    // ---- framework growth ----

    /**
     * jdk.direct buffers never released, allocated faster as the run goes on: 10 MiB at the start, 30 MiB at the end.
     * Idle time in between (rather than pacing every allocation) keeps the mid-recording point between the two
     * bursts even when the machine stalls the test for a while.
     */
    static void growingDirectMemory() throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            cacheDirectBuffers(i);
        }
        Thread.sleep(200);
        for (int i = 10; i < 40; i++) {
            cacheDirectBuffers(i);
        }
    }

    private static void cacheDirectBuffers(int i) {
        TestAllocator.frameworkAllocated("jdk.direct", 10 + i, 1 * MiB);
    }
}

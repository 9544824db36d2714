package io.heapscope.backend;

import io.heapscope.device.CpuCacheMode;
import io.heapscope.device.HazardTrackingMode;
import io.heapscope.device.HeapDescriptor;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.StorageMode;

import java.util.concurrent.CountDownLatch;

/** Descriptors and timing helpers shared by the backends' own tests. */
public final class SpiFixtures {
    private SpiFixtures() {
    }

    public static ResourceOptions opts(StorageMode mode) {
        return new ResourceOptions(mode, CpuCacheMode.DEFAULT_CACHE, HazardTrackingMode.TRACKED);
    }

    public static HeapDescriptor heap(long size, StorageMode mode) {
        return new HeapDescriptor(size, mode, CpuCacheMode.DEFAULT_CACHE, HazardTrackingMode.TRACKED, opts(mode));
    }

    /** Counts the latch down from another thread after {@code millis}, so the caller can block on what it gates. */
    public static void countDownLater(CountDownLatch latch, long millis) {
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException ignored) {
                // count down anyway
            }
            latch.countDown();
        });
    }
}

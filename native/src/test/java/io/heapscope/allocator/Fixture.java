package io.heapscope.allocator;

import io.heapscope.device.Buffer;
import io.heapscope.device.Device;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Small helpers shared by the behavioural tests. */
final class Fixture {
    static final long KiB = 1024;
    static final long MiB = 1024 * KiB;
    static final long GiB = 1024 * MiB;

    private Fixture() {
    }

    /** Holds {@code buffers} busy on the device stream until the returned latch is counted down. */
    static CountDownLatch holdBusy(Device device, Buffer... buffers) {
        CountDownLatch release = new CountDownLatch(1);
        device.stream().submit(List.of(buffers), () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return release;
    }

    static long poolReserved(HeapAllocator a, PoolKind kind) {
        return snapshot(a, kind).reserved();
    }

    static PoolSnapshot snapshot(HeapAllocator a, PoolKind kind) {
        return a.poolSnapshots().stream().filter(p -> p.kind() == kind).findFirst().orElseThrow();
    }
}

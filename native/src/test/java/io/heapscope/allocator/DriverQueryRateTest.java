package io.heapscope.allocator;

import io.heapscope.backend.DeviceMemoryGauge;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.device.Buffer;
import io.heapscope.device.CommandStream;
import io.heapscope.device.Device;
import io.heapscope.device.DeviceEvent;
import io.heapscope.device.Heap;
import io.heapscope.device.HeapDescriptor;
import io.heapscope.device.PurgeableState;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.SizeAndAlign;
import io.heapscope.device.StorageMode;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.heapscope.allocator.Fixture.GiB;
import static io.heapscope.allocator.Fixture.KiB;
import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator asks the device's allocated size twice per malloc; on CUDA that figure comes from an expensive driver
 * query. {@link DeviceMemoryGauge} (what the CUDA backend uses) must keep the driver out of the hot path while the
 * watermarks still see memory that others allocate on the device, within the documented bound. Here the "driver" is
 * the host device's heap bytes plus an externally allocated amount, and every query is counted.
 */
class DriverQueryRateTest {
    private static final long REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** A host device whose currentAllocatedSize is served by a gauge over a counted, "expensive" driver query. */
    static final class GaugedDevice implements Device {
        final HostDevice host;
        final AtomicLong external = new AtomicLong();
        final AtomicLong driverCalls = new AtomicLong();
        final AtomicLong sizeQueries = new AtomicLong();
        final DeviceMemoryGauge gauge;

        GaugedDevice(long capacity) {
            host = HostDevice.builder().capacity(capacity).build();
            gauge = new DeviceMemoryGauge(host::currentAllocatedSize, () -> {
                driverCalls.incrementAndGet();
                return host.currentAllocatedSize() + external.get();
            }, REFRESH_NANOS, "test-gauge");
        }

        @Override
        public long currentAllocatedSize() {
            sizeQueries.incrementAndGet();
            return gauge.current();
        }

        @Override
        public Heap newHeap(HeapDescriptor descriptor) {
            Heap h = host.newHeap(descriptor);
            if (h == null) {
                return null;
            }
            gauge.refresh();
            return new Heap() {
                @Override
                public long size() {
                    return h.size();
                }

                @Override
                public StorageMode storageMode() {
                    return h.storageMode();
                }

                @Override
                public long maxAvailableSize(long alignment) {
                    return h.maxAvailableSize(alignment);
                }

                @Override
                public Buffer newBuffer(long length, ResourceOptions options) {
                    return h.newBuffer(length, options);
                }

                @Override
                public PurgeableState setPurgeableState(PurgeableState state) {
                    return h.setPurgeableState(state);
                }

                @Override
                public void retain() {
                    h.retain();
                }

                @Override
                public void release() {
                    h.release();
                    gauge.refresh();
                }

                @Override
                public int retainCount() {
                    return h.retainCount();
                }
            };
        }

        @Override
        public String name() {
            return "gauged host";
        }

        @Override
        public String backend() {
            return "host";
        }

        @Override
        public boolean hasUnifiedMemory() {
            return host.hasUnifiedMemory();
        }

        @Override
        public long recommendedMaxWorkingSetSize() {
            return host.recommendedMaxWorkingSetSize();
        }

        @Override
        public long maxBufferLength() {
            return host.maxBufferLength();
        }

        @Override
        public SizeAndAlign heapBufferSizeAndAlign(long length, ResourceOptions options) {
            return host.heapBufferSizeAndAlign(length, options);
        }

        @Override
        public CommandStream stream() {
            return host.stream();
        }

        @Override
        public DeviceEvent newEvent() {
            return host.newEvent();
        }

        @Override
        public void close() {
            gauge.close();
            host.close();
        }
    }

    @Test
    void theHotPathMakesNoDriverQueryPerMalloc() {
        try (GaugedDevice d = new GaugedDevice(GiB); HeapAllocator a = HeapAllocator.builder(d).build()) {
            a.free(a.malloc(64 * KiB, false));
            a.free(a.malloc(4 * MiB, false));
            long start = System.nanoTime();
            long callsBefore = d.driverCalls.get();
            long sizeQueriesBefore = d.sizeQueries.get();
            int pairs = 200_000;
            for (int i = 0; i < pairs; i++) {
                a.free(a.malloc(64 * KiB, false));
                a.free(a.malloc(4 * MiB, false));
            }
            long elapsed = System.nanoTime() - start;
            long calls = d.driverCalls.get() - callsBefore;
            assertTrue(d.sizeQueries.get() - sizeQueriesBefore >= pairs, "the allocator does ask per malloc");
            // no heap was created or released in the loop: only the periodic refresh may have queried the driver
            long periodic = elapsed / REFRESH_NANOS + 2;
            assertTrue(calls <= periodic, calls + " driver queries for " + 2 * pairs + " mallocs in "
                    + elapsed / 1_000_000 + " ms; at most " + periodic + " allowed");
        }
    }

    @Test
    void heapCreationAndReleaseRefreshTheFigure() {
        try (GaugedDevice d = new GaugedDevice(GiB); HeapAllocator a = HeapAllocator.builder(d).build()) {
            d.external.set(100 * MiB);
            long before = d.driverCalls.get();
            MpsBuffer b = a.malloc(2 * MiB, false); // creates a 32 MiB heap: the gauge asks the driver
            assertTrue(d.driverCalls.get() > before);
            assertEquals(132 * MiB, a.getDriverAllocatedMemory(), "own heap exact, external seen at heap creation");
            a.free(b);
            d.external.set(0);
            a.emptyCache(); // releases the heap: asks again
            assertEquals(0, a.getDriverAllocatedMemory());
        }
    }

    @Test
    void externalAllocationsTripTheWatermarksWithinTheBound() throws InterruptedException {
        try (GaugedDevice d = new GaugedDevice(GiB); HeapAllocator a = HeapAllocator.builder(d).build()) {
            a.free(a.malloc(64 * KiB, false));
            assertEquals((long) (1.4 * GiB) / MiB - 8, a.getLowWatermarkValue(), "one 8 MiB small heap");
            // someone else takes 1.6 GiB of the device: above the low watermark (1.4 GiB), near the high (1.7 GiB)
            d.external.set(1600 * MiB);
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(3 * REFRESH_NANOS));
            assertEquals(0, a.getLowWatermarkValue(), "memory pressure seen after the refresh period");
            MpsOutOfMemoryException e = assertThrows(MpsOutOfMemoryException.class,
                    () -> a.malloc(200 * MiB, false), "the high watermark counts the others' bytes");
            assertTrue(e.getMessage().contains("other allocations"), e.getMessage());
            d.external.set(0);
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(3 * REFRESH_NANOS));
            a.free(a.malloc(200 * MiB, false)); // fits again once the others let go
        }
    }
}

package io.heapscope.backend.cuda;

import io.heapscope.backend.DeviceMemoryGauge;
import io.heapscope.backend.ExtentMap;
import io.heapscope.backend.Sizes;
import io.heapscope.device.CommandStream;
import io.heapscope.device.Device;
import io.heapscope.device.DeviceEvent;
import io.heapscope.device.Heap;
import io.heapscope.device.HeapDescriptor;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.SizeAndAlign;
import io.heapscope.device.StorageMode;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A CUDA device through the driver API. Private heaps are {@code cuMemAlloc} allocations; shared heaps are page-locked
 * host memory mapped into the device ({@code cuMemHostAlloc(PORTABLE|DEVICEMAP)}), with a CPU pointer and a device
 * pointer. Buffers are offsets inside their heap placed by {@link ExtentMap}. Recommended max working set: the
 * device's total memory ({@code cuMemGetInfo}), or the {@code capacity} setting, which also caps live heaps at twice
 * its value (as the host backend does) so small devices can be simulated. Current allocated size: the device's used
 * memory (total − free from {@code cuMemGetInfo}, so the allocator's watermarks see memory that others allocate too),
 * kept by a {@link DeviceMemoryGauge}: this device's heaps exactly, the rest refreshed from the driver on every heap
 * creation and release and at least every {@code refresh} (default 10 ms), never per call; with a simulated
 * {@code capacity}, the bytes of this device's live heaps only.
 */
public final class CudaDevice implements Device {
    private final CudaDriver driver;
    private final int ordinal;
    private final MemorySegment context;
    private final String name;
    private final long capacity;
    private final long heapLimit;
    private final boolean unified;
    private final CudaStream stream;
    private final AtomicLong allocated = new AtomicLong();
    /** Device-wide used bytes without a driver call per query; null with a simulated capacity. */
    private final DeviceMemoryGauge gauge;
    private final ThreadLocal<Boolean> contextSet = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private volatile boolean closed;

    CudaDevice(CudaDriver driver, Map<String, String> settings) {
        this.driver = driver;
        this.ordinal = Integer.parseInt(settings.getOrDefault("device", "0"));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(JAVA_INT);
            driver.check("cuDeviceGet", driver.call(driver.cuDeviceGet, dev, ordinal));
            MemorySegment nameBuf = a.allocate(256);
            driver.check("cuDeviceGetName", driver.call(driver.cuDeviceGetName, nameBuf, 256, ordinal));
            this.name = nameBuf.getString(0);
            MemorySegment ctx = a.allocate(ADDRESS);
            driver.check("cuDevicePrimaryCtxRetain", driver.call(driver.cuDevicePrimaryCtxRetain, ctx, ordinal));
            this.context = ctx.get(ADDRESS, 0);
        }
        ensureContext();
        long total = memInfo()[1];
        this.capacity = settings.containsKey("capacity") ? Sizes.parse("capacity", settings.get("capacity")) : total;
        this.heapLimit = settings.containsKey("capacity") ? 2 * capacity : Long.MAX_VALUE;
        this.unified = Boolean.parseBoolean(settings.getOrDefault("unified", "false").toLowerCase(Locale.ROOT));
        for (String k : settings.keySet()) {
            if (!java.util.Set.of("device", "capacity", "unified", "refresh").contains(k)) {
                throw new IllegalArgumentException("unknown cuda device setting '" + k
                        + "' (known: device, capacity, unified, refresh)");
            }
        }
        long refreshMillis = Long.parseLong(settings.getOrDefault("refresh",
                Long.toString(TimeUnit.NANOSECONDS.toMillis(DeviceMemoryGauge.DEFAULT_REFRESH_NANOS))));
        if (refreshMillis < 1) {
            throw new IllegalArgumentException("cuda setting refresh must be at least 1 (ms), got " + refreshMillis);
        }
        this.gauge = heapLimit != Long.MAX_VALUE ? null : new DeviceMemoryGauge(allocated::get, () -> {
            long[] info = memInfo();
            return info[1] - info[0];
        }, TimeUnit.MILLISECONDS.toNanos(refreshMillis), "heapscope-cuda-meminfo-" + ordinal);
        this.stream = new CudaStream(this);
    }

    CudaDriver driver() {
        return driver;
    }

    /** Makes the primary context current on the calling thread (the driver needs it on every thread). */
    void ensureContext() {
        if (!contextSet.get()) {
            driver.check("cuCtxSetCurrent", driver.call(driver.cuCtxSetCurrent, context));
            contextSet.set(Boolean.TRUE);
        }
    }

    /** {free, total} bytes from cuMemGetInfo. */
    long[] memInfo() {
        ensureContext();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            driver.check("cuMemGetInfo", driver.call(driver.cuMemGetInfo, free, total));
            return new long[]{free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backend() {
        return "cuda";
    }

    @Override
    public boolean hasUnifiedMemory() {
        return unified;
    }

    @Override
    public long recommendedMaxWorkingSetSize() {
        return capacity;
    }

    @Override
    public long currentAllocatedSize() {
        if (gauge == null) {
            return allocated.get(); // simulated capacity: this device's heaps only
        }
        return gauge.current();
    }

    /** Driver queries made for {@link #currentAllocatedSize()} so far (0 with a simulated capacity). */
    public long memInfoQueries() {
        return gauge == null ? 0 : gauge.driverQueries();
    }

    private void heapsChanged() {
        if (gauge != null && !closed) {
            gauge.refresh();
        }
    }

    /** Bytes of this device's live heaps. */
    public long heapBytes() {
        return allocated.get();
    }

    @Override
    public long maxBufferLength() {
        return capacity;
    }

    @Override
    public SizeAndAlign heapBufferSizeAndAlign(long length, ResourceOptions options) {
        return new SizeAndAlign(ExtentMap.roundUp(length), ExtentMap.PAGE);
    }

    @Override
    public Heap newHeap(HeapDescriptor d) {
        if (closed) {
            throw new IllegalStateException("cuda device is closed");
        }
        long size = ExtentMap.roundUp(d.size());
        if (allocated.addAndGet(size) > heapLimit) {
            allocated.addAndGet(-size);
            return null;
        }
        ensureContext();
        try (Arena a = Arena.ofConfined()) {
            if (d.storageMode() == StorageMode.PRIVATE) {
                MemorySegment p = a.allocate(JAVA_LONG);
                int rc = driver.call(driver.cuMemAlloc, p, size);
                if (rc == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                    allocated.addAndGet(-size);
                    return null;
                }
                driver.check("cuMemAlloc(" + size + ")", rc);
                CudaHeap heap = new CudaHeap(this, d.storageMode(), size, p.get(JAVA_LONG, 0), MemorySegment.NULL);
                heapsChanged();
                return heap;
            }
            MemorySegment hp = a.allocate(ADDRESS);
            int rc = driver.call(driver.cuMemHostAlloc, hp, size,
                    CudaDriver.CU_MEMHOSTALLOC_PORTABLE | CudaDriver.CU_MEMHOSTALLOC_DEVICEMAP);
            if (rc == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                allocated.addAndGet(-size);
                return null;
            }
            driver.check("cuMemHostAlloc(" + size + ")", rc);
            MemorySegment host = hp.get(ADDRESS, 0).reinterpret(size); // scoped per heap by CudaHeap
            MemorySegment dp = a.allocate(JAVA_LONG);
            driver.check("cuMemHostGetDevicePointer", driver.call(driver.cuMemHostGetDevicePointer, dp, host, 0));
            CudaHeap heap = new CudaHeap(this, d.storageMode(), size, dp.get(JAVA_LONG, 0), host);
            heapsChanged();
            return heap;
        } catch (RuntimeException e) {
            allocated.addAndGet(-size);
            throw e;
        }
    }

    void heapGone(CudaHeap heap) {
        ensureContext();
        if (heap.hostMapping().equals(MemorySegment.NULL)) {
            driver.check("cuMemFree", driver.call(driver.cuMemFree, heap.devicePointer()));
        } else {
            driver.check("cuMemFreeHost", driver.call(driver.cuMemFreeHost, heap.hostMapping()));
        }
        allocated.addAndGet(-heap.size());
        heapsChanged();
    }

    /**
     * One raw {@code cuMemAlloc} + {@code cuMemFree} pair of {@code size} bytes, for benchmarks comparing the
     * allocator with the driver.
     */
    public void rawAllocFreePair(long size) {
        ensureContext();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            driver.check("cuMemAlloc", driver.call(driver.cuMemAlloc, p, size));
            driver.check("cuMemFree", driver.call(driver.cuMemFree, p.get(JAVA_LONG, 0)));
        }
    }

    @Override
    public CommandStream stream() {
        return stream;
    }

    @Override
    public DeviceEvent newEvent() {
        return new CudaEvent(this);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (gauge != null) {
                gauge.close();
            }
            stream.close();
        }
    }
}

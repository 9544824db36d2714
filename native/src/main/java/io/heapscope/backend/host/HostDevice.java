package io.heapscope.backend.host;

import io.heapscope.backend.ExtentMap;
import io.heapscope.backend.Sizes;
import io.heapscope.device.CommandStream;
import io.heapscope.device.Device;
import io.heapscope.device.DeviceEvent;
import io.heapscope.device.Heap;
import io.heapscope.device.HeapDescriptor;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.SizeAndAlign;

import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedded default device: heaps are anonymous mappings of host memory (committed only when touched), so a
 * multi-GiB replay runs on a small machine. It emulates Metal heap semantics: first-fit placement of page-aligned
 * buffers, retain counts, shared buffers with CPU contents and private ones without, and an in-order stream.
 *
 * <p>Defaults: capacity (recommended max working set) = 75% of physical memory, as macOS recommends for Apple
 * silicon; unified memory = true; max buffer length = the capacity. Heaps are refused (null, like Metal's nil)
 * when live heaps would exceed twice the capacity, the most the allocator's high watermark ever allows.
 */
public final class HostDevice implements Device {
    /** Live heaps may total at most this many times the capacity. */
    static final long HEAP_LIMIT_FACTOR = 2;

    private final long capacity;
    private final boolean unifiedMemory;
    private final long maxBufferLength;
    private final HostStream stream;
    private final AtomicLong allocated = new AtomicLong();
    private final Set<HostHeap> liveHeaps = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private HostDevice(Builder b) {
        this.capacity = b.capacity;
        this.unifiedMemory = b.unifiedMemory;
        this.maxBufferLength = b.maxBufferLength > 0 ? b.maxBufferLength : b.capacity;
        this.stream = new HostStream("heapscope-host-stream");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A device with the defaults overridden by {@code settings} keys {@code capacity}, {@code unified}, {@code maxBufferLength}. */
    public static HostDevice open(Map<String, String> settings) {
        Builder b = builder();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            switch (e.getKey()) {
                case "capacity" -> b.capacity(Sizes.parse("capacity", e.getValue()));
                case "unified" -> b.unifiedMemory(parseBoolean("unified", e.getValue()));
                case "maxBufferLength" -> b.maxBufferLength(Sizes.parse("maxBufferLength", e.getValue()));
                default -> throw new IllegalArgumentException("unknown host device setting '" + e.getKey()
                        + "' (known: capacity, unified, maxBufferLength)");
            }
        }
        return b.build();
    }

    private static boolean parseBoolean(String key, String v) {
        return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(key + "='" + v + "' is not a boolean (true or false)");
        };
    }

    /** 75% of physical memory. */
    static long defaultCapacity() {
        long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return (total / 4 * 3) & -ExtentMap.PAGE;
    }

    @Override
    public String name() {
        return "host";
    }

    @Override
    public String backend() {
        return "host";
    }

    @Override
    public boolean hasUnifiedMemory() {
        return unifiedMemory;
    }

    @Override
    public long recommendedMaxWorkingSetSize() {
        return capacity;
    }

    @Override
    public long currentAllocatedSize() {
        return allocated.get();
    }

    @Override
    public long maxBufferLength() {
        return maxBufferLength;
    }

    @Override
    public SizeAndAlign heapBufferSizeAndAlign(long length, ResourceOptions options) {
        return new SizeAndAlign(ExtentMap.roundUp(length), ExtentMap.PAGE);
    }

    @Override
    public Heap newHeap(HeapDescriptor descriptor) {
        if (closed) {
            throw new IllegalStateException("host device is closed");
        }
        long size = ExtentMap.roundUp(descriptor.size());
        long limit = HEAP_LIMIT_FACTOR * capacity;
        long before;
        do {
            before = allocated.get();
            if (before + size > limit || before + size < 0) {
                return null; // out of device memory
            }
        } while (!allocated.compareAndSet(before, before + size));
        MemorySegment memory = Posix.mapLazily(size);
        if (memory == null) {
            allocated.addAndGet(-size);
            return null;
        }
        HostHeap heap = new HostHeap(this, memory, descriptor.storageMode());
        liveHeaps.add(heap);
        return heap;
    }

    void heapGone(HostHeap heap) {
        if (liveHeaps.remove(heap)) {
            allocated.addAndGet(-heap.size());
        }
    }

    /** Heaps not yet released. */
    public int liveHeapCount() {
        return liveHeaps.size();
    }

    @Override
    public CommandStream stream() {
        return stream;
    }

    @Override
    public DeviceEvent newEvent() {
        return new HostEvent();
    }

    /**
     * Stops the stream after the work already queued. Heaps still alive are left mapped: buffers handed out may
     * still be in use by the application, and unmapping them would turn a leak into a crash.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            stream.close();
        }
    }

    @Override
    public String toString() {
        return "HostDevice[capacity=" + capacity + ", unified=" + unifiedMemory + ", allocated=" + allocated.get() + "]";
    }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private long capacity = defaultCapacity();
        private boolean unifiedMemory = true;
        private long maxBufferLength;

        /** Recommended max working set in bytes; a positive multiple of 4096 after rounding up. */
        public Builder capacity(long bytes) {
            if (bytes < ExtentMap.PAGE) {
                throw new IllegalArgumentException("capacity must be at least " + ExtentMap.PAGE + " bytes, got " + bytes);
            }
            this.capacity = ExtentMap.roundUp(bytes);
            return this;
        }

        public Builder unifiedMemory(boolean unified) {
            this.unifiedMemory = unified;
            return this;
        }

        /** Largest buffer length; defaults to the capacity. */
        public Builder maxBufferLength(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxBufferLength must be positive, got " + bytes);
            }
            this.maxBufferLength = bytes;
            return this;
        }

        public HostDevice build() {
            return new HostDevice(this);
        }
    }
}

package io.heapscope.backend.metal;

import io.heapscope.backend.Sizes;
import io.heapscope.device.CommandStream;
import io.heapscope.device.Device;
import io.heapscope.device.DeviceEvent;
import io.heapscope.device.Heap;
import io.heapscope.device.HeapDescriptor;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.SizeAndAlign;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@code MTLDevice} through the Objective-C runtime. Every figure comes from Metal; the optional {@code capacity}
 * setting lowers the recommended max working set and caps this device's live heaps at twice it, and {@code unified}
 * overrides the memory kind, both to run the allocator's small-device and discrete-sizing cases on any machine.
 */
public final class MetalDevice implements Device {
    private final ObjC objc;
    private final MemorySegment device;
    private final String name;
    private final Long capacity;
    private final Boolean unified;
    private final AtomicLong ownHeaps = new AtomicLong();
    private final MetalStream stream;

    MetalDevice(ObjC objc, Map<String, String> settings) {
        for (String k : settings.keySet()) {
            if (!Set.of("capacity", "unified").contains(k)) {
                throw new IllegalArgumentException("unknown metal device setting '" + k + "' (known: capacity, unified)");
            }
        }
        this.objc = objc;
        this.device = objc.createSystemDefaultDevice();
        if (device.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("MTLCreateSystemDefaultDevice returned nil: no Metal device");
        }
        this.name = objc.string(objc.id(device, "name"));
        this.capacity = settings.containsKey("capacity") ? Sizes.parse("capacity", settings.get("capacity")) : null;
        this.unified = settings.containsKey("unified") ? Boolean.parseBoolean(settings.get("unified")) : null;
        this.stream = new MetalStream(objc, objc.id(device, "newCommandQueue"));
    }

    ObjC objc() {
        return objc;
    }

    MemorySegment handle() {
        return device;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String backend() {
        return "metal";
    }

    @Override
    public boolean hasUnifiedMemory() {
        return unified != null ? unified : objc.bool(device, "hasUnifiedMemory");
    }

    @Override
    public long recommendedMaxWorkingSetSize() {
        long metal = objc.u64(device, "recommendedMaxWorkingSetSize");
        return capacity != null ? Math.min(capacity, metal) : metal;
    }

    @Override
    public long currentAllocatedSize() {
        return objc.u64(device, "currentAllocatedSize");
    }

    @Override
    public long maxBufferLength() {
        long metal = objc.u64(device, "maxBufferLength");
        return capacity != null ? Math.min(capacity, metal) : metal;
    }

    @Override
    public SizeAndAlign heapBufferSizeAndAlign(long length, ResourceOptions options) {
        long[] sa = objc.sizeAndAlign(device, length, options.bits());
        return new SizeAndAlign(sa[0], sa[1]);
    }

    @Override
    public Heap newHeap(HeapDescriptor d) {
        if (capacity != null && ownHeaps.get() + d.size() > 2 * capacity) {
            return null;
        }
        MemorySegment desc = objc.id(objc.cls("MTLHeapDescriptor"), "new");
        try {
            objc.send(desc, "setSize:", d.size());
            objc.send(desc, "setStorageMode:", d.storageMode().metalValue());
            objc.send(desc, "setCpuCacheMode:", d.cpuCacheMode().metalValue());
            objc.send(desc, "setHazardTrackingMode:", d.hazardTrackingMode().metalValue());
            objc.send(desc, "setResourceOptions:", d.resourceOptions().bits());
            objc.send(desc, "setType:", 0L); // MTLHeapTypeAutomatic
            MemorySegment heap = objc.id(device, "newHeapWithDescriptor:", desc);
            if (heap.equals(MemorySegment.NULL)) {
                return null;
            }
            long size = objc.u64(heap, "size");
            ownHeaps.addAndGet(size);
            return new MetalHeap(this, heap, d.storageMode(), size);
        } finally {
            objc.send(desc, "release");
        }
    }

    void heapGone(long size) {
        ownHeaps.addAndGet(-size);
    }

    @Override
    public CommandStream stream() {
        return stream;
    }

    @Override
    public DeviceEvent newEvent() {
        return new MetalEvent(objc, objc.id(device, "newSharedEvent"));
    }

    @Override
    public void close() {
        stream.close();
    }
}

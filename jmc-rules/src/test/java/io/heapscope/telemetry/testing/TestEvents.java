package io.heapscope.telemetry.testing;

import java.util.List;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * Test-only JFR event classes with exactly the names and fields of the allocator's event schema (docs/jmc-rules.md),
 * whose fields the rules' tests set directly to build exact recordings (the allocator's event fields are
 * package-private); {@code TestEventsSchemaTest} keeps them equal to the allocator's classes. They live
 * in an {@code io.heapscope.telemetry} package, as the real ones do, so that the rules skip their frames when looking
 * for the application's caller.
 */
public final class TestEvents {
    private TestEvents() {
    }

    /** Every event class here, for {@code FlightRecorder.register} and {@code Recording.enable}. */
    public static final List<Class<? extends Event>> ALL = List.of(BufferAllocated.class, BufferRecycled.class,
            BufferFreed.class, BufferReleased.class, HeapAllocated.class, HeapReleased.class, GarbageCollection.class,
            AllocationFailed.class, MemoryPressure.class, PoolStatistics.class, OffHeapAllocation.class,
            OffHeapFree.class);

    @Category({"Heapscope", "Memory"})
    @StackTrace(true)
    public abstract static class AllocatorEvent extends Event {
        @Label("Allocator Id")
        long allocatorId;
        @Label("Allocator Name")
        String allocatorName;
        @Label("Pool")
        String pool;
        @Label("Total Reserved")
        @DataAmount
        long totalReserved;
        @Label("Total In Use")
        @DataAmount
        long totalInUse;
    }

    public abstract static class BufferEvent extends AllocatorEvent {
        @Label("Buffer Id")
        long bufferId;
        @Label("Heap Id")
        long heapId;
        @Label("Address")
        @MemoryAddress
        long address;
        @Label("Requested Size")
        @DataAmount
        long requestedSize;
        @Label("Aligned Size")
        @DataAmount
        long alignedSize;
        @Label("Use Count")
        int useCount;
        @Label("Retain Count")
        int retainCount;
    }

    @Name("heapscope.BufferAllocated")
    @Label("Buffer Allocated")
    public static final class BufferAllocated extends BufferEvent {
        @Label("Heap Available")
        @DataAmount
        long heapAvailable;
    }

    @Name("heapscope.BufferRecycled")
    @Label("Buffer Recycled")
    public static final class BufferRecycled extends BufferEvent {
        @Label("GC Age")
        int gcAge;
    }

    @Name("heapscope.BufferFreed")
    @Label("Buffer Freed")
    public static final class BufferFreed extends BufferEvent {
    }

    @Name("heapscope.BufferReleased")
    @Label("Buffer Released")
    public static final class BufferReleased extends BufferEvent {
        @Label("GC Age")
        int gcAge;
        @Label("Heap Available")
        @DataAmount
        long heapAvailable;
    }

    public abstract static class HeapEvent extends AllocatorEvent {
        @Label("Heap Id")
        long heapId;
        @Label("Heap Size")
        @DataAmount
        long heapSize;
        @Label("Heap Count")
        int heapCount;
        @Label("Retain Count")
        int retainCount;
    }

    @Name("heapscope.HeapAllocated")
    @Label("Heap Allocated")
    public static final class HeapAllocated extends HeapEvent {
        @Label("Requested Size")
        @DataAmount
        long requestedSize;
    }

    @Name("heapscope.HeapReleased")
    @Label("Heap Released")
    public static final class HeapReleased extends HeapEvent {
    }

    @Name("heapscope.GarbageCollection")
    @Label("Garbage Collection")
    public static final class GarbageCollection extends AllocatorEvent {
        @Label("Freed Buffers")
        long freedBuffers;
        @Label("Reclaimed Bytes")
        @DataAmount
        long reclaimedBytes;
        @Label("Target Bytes")
        @DataAmount
        long targetBytes;
    }

    @Name("heapscope.AllocationFailed")
    @Label("Allocation Failed")
    public static final class AllocationFailed extends AllocatorEvent {
        @Label("Requested Size")
        @DataAmount
        long requestedSize;
        @Label("Aligned Size")
        @DataAmount
        long alignedSize;
        @Label("High Watermark")
        boolean highWatermark;
        @Label("Message")
        String message;
    }

    @Name("heapscope.MemoryPressure")
    @Label("Memory Pressure")
    public static final class MemoryPressure extends AllocatorEvent {
        @Label("Entered")
        boolean entered;
        @Label("Low Watermark Limit")
        @DataAmount
        long lowWatermarkLimit;
        @Label("Device Allocated")
        @DataAmount
        long deviceAllocated;
    }

    @Name("heapscope.PoolStatistics")
    @Label("Pool Statistics")
    @Category({"Heapscope", "Memory"})
    @StackTrace(false)
    public static final class PoolStatistics extends Event {
        @Label("Allocator Id")
        long allocatorId;
        @Label("Allocator Name")
        String allocatorName;
        @Label("Pool")
        String pool;
        @Label("Reserved")
        @DataAmount
        long reserved;
        @Label("In Use")
        @DataAmount
        long inUse;
        @Label("Cached")
        @DataAmount
        long cached;
        @Label("Heaps")
        int heaps;
        @Label("Buffers")
        int buffers;
        @Label("Cached Buffers")
        int cachedBuffers;
        @Label("Pending Free")
        int pendingFree;
        @Label("Pending Free Bytes")
        @DataAmount
        long pendingFreeBytes;
        @Label("High Watermark Limit")
        @DataAmount
        long highWatermarkLimit;
        @Label("Low Watermark Limit")
        @DataAmount
        long lowWatermarkLimit;
        @Label("Device Allocated")
        @DataAmount
        long deviceAllocated;
        @Label("Fragmentation")
        double fragmentation;
    }

    /** The agent's framework events as it records them (docs/agent.md): framework, mechanism, size, address. */
    @Name("heapscope.OffHeapAllocation")
    @Label("Off-heap Allocation")
    @Category({"Heapscope", "Framework"})
    @StackTrace(true)
    public static final class OffHeapAllocation extends Event {
        @Label("Framework")
        String framework;
        @Label("Size")
        @DataAmount
        long size;
        @Label("Mechanism")
        String mechanism;
        @Label("Address")
        @MemoryAddress
        long address;
    }

    @Name("heapscope.OffHeapFree")
    @Label("Off-heap Free")
    @Category({"Heapscope", "Framework"})
    @StackTrace(true)
    public static final class OffHeapFree extends Event {
        @Label("Framework")
        String framework;
        @Label("Size")
        @DataAmount
        long size;
        @Label("Mechanism")
        String mechanism;
        @Label("Address")
        @MemoryAddress
        long address;
    }
}

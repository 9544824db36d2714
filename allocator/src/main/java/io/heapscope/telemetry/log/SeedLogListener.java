package io.heapscope.telemetry.log;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.PoolKind;
import io.heapscope.allocator.event.AllocatorEvent;
import io.heapscope.allocator.event.AllocatorListener;
import io.heapscope.allocator.event.EventKind;

import static io.heapscope.allocator.SizeClasses.formatSize;

/**
 * Writes the seed's diagnostic lines (same facts, same wording) through {@link System.Logger} at INFO, so with
 * verbosity flags set they reach stderr under the JDK's default logging configuration, as PyTorch's do.
 * Buffer frees have no line in the seed; they are logged at DEBUG.
 */
public final class SeedLogListener implements AllocatorListener {
    /** Logger name: {@code io.heapscope.allocator}. */
    public static final String LOGGER_NAME = HeapAllocator.LOGGER_NAME;
    private final System.Logger logger;

    public SeedLogListener() {
        this(System.getLogger(LOGGER_NAME));
    }

    public SeedLogListener(System.Logger logger) {
        this.logger = logger;
    }

    @Override
    public void onEvent(AllocatorEvent e) {
        String line = format(e);
        logger.log(e.kind() == EventKind.BUFFER_FREED ? System.Logger.Level.DEBUG : System.Logger.Level.INFO, line);
    }

    private static String storage(PoolKind pool) {
        return pool.storageName() + (pool.isScalar() ? " scalar" : "");
    }

    /** The line the seed prints for this event. */
    public static String format(AllocatorEvent event) {
        return switch (event) {
            case AllocatorEvent.BufferAllocated e -> "Allocated " + storage(e.pool()) + " buffer #" + e.bufferId()
                    + " of size " + formatSize(e.alignedSize()) + " at 0x" + Long.toHexString(e.address())
                    + " from heap #" + e.heapId() + " (requested: " + formatSize(e.requestedSize()) + ", heap: "
                    + formatSize(e.heapAvailable()) + ", total: " + formatSize(e.totalReserved()) + ")";
            case AllocatorEvent.BufferRecycled e -> "Reusing " + storage(e.pool()) + " buffer #" + e.bufferId()
                    + " of size " + formatSize(e.alignedSize()) + " at 0x" + Long.toHexString(e.address())
                    + " (requested: " + formatSize(e.requestedSize()) + ", use#: " + e.useCount() + ", retain#: "
                    + e.retainCount() + ")";
            case AllocatorEvent.BufferFreed e -> "Freed " + storage(e.pool()) + " buffer #" + e.bufferId()
                    + " of size " + formatSize(e.alignedSize()) + " (use#: " + e.useCount() + ", retain#: "
                    + e.retainCount() + ")";
            case AllocatorEvent.BufferReleased e -> "Released buffer #" + e.bufferId() + " of size "
                    + formatSize(e.alignedSize()) + " from heap #" + e.heapId() + " (heap size: "
                    + formatSize(e.heapAvailable()) + ", use#: " + e.useCount() + ", retain#: " + e.retainCount()
                    + ", gc#: " + e.gcAge() + ")";
            case AllocatorEvent.HeapAllocated e -> "Allocated " + e.pool().storageName() + " heap #" + e.heapId()
                    + " of size " + formatSize(e.heapSize()) + " (#heaps: " + e.heapCount() + ", current allocated: "
                    + formatSize(e.totalReserved()) + ")";
            case AllocatorEvent.HeapReleased e -> "Released heap #" + e.heapId() + " of size "
                    + formatSize(e.heapSize()) + " (current allocated: " + formatSize(e.totalReserved())
                    + ", retain#: " + e.retainCount() + ")";
            case AllocatorEvent.GarbageCollection e -> "Garbage collected " + e.freedBuffers()
                    + " buffers from large " + e.pool().storageName() + " pool (total reclaimed: "
                    + formatSize(e.reclaimedBytes()) + ", target: " + formatSize(e.targetBytes()) + ")";
            case AllocatorEvent.AllocationFailed e -> e.message();
            case AllocatorEvent.MemoryPressure e -> (e.entered() ? "Memory pressure entered" : "Memory pressure left")
                    + " on " + e.pool().storageName() + " pool (allocated: " + formatSize(e.deviceAllocated())
                    + ", low watermark limit: " + formatSize(e.lowWatermarkLimit()) + ")";
        };
    }
}

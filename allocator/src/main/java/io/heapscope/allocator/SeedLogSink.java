package io.heapscope.allocator;

import io.heapscope.telemetry.MemoryEvent;
import io.heapscope.telemetry.MemoryEventSink;

import static io.heapscope.allocator.SizeClasses.formatSize;

/**
 * Writes the seed's diagnostic lines (same facts, same wording) through {@link System.Logger} at INFO, so with
 * verbosity flags set they reach stderr under the JDK's default logging configuration, as PyTorch's do.
 * Buffer frees have no line in the seed; they are logged at DEBUG.
 */
public final class SeedLogSink implements MemoryEventSink {
    /** Logger name: {@code io.heapscope.allocator}. */
    public static final String LOGGER_NAME = "io.heapscope.allocator";
    private final System.Logger logger;

    public SeedLogSink() {
        this(System.getLogger(LOGGER_NAME));
    }

    public SeedLogSink(System.Logger logger) {
        this.logger = logger;
    }

    @Override
    public void accept(MemoryEvent e) {
        String line = format(e);
        if (line != null) {
            logger.log(e.kind() == io.heapscope.telemetry.MemoryEventKind.BUFFER_FREED
                    ? System.Logger.Level.DEBUG : System.Logger.Level.INFO, line);
        }
    }

    private static String scalar(MemoryEvent e) {
        return PoolKind.SCALAR.name().equals(e.pool()) ? " scalar" : "";
    }

    /** The line the seed prints for this event, or null if it prints none. */
    public static String format(MemoryEvent e) {
        return switch (e.kind()) {
            case BUFFER_ALLOCATED -> "Allocated " + e.storageMode() + scalar(e) + " buffer #" + e.bufferId()
                    + " of size " + formatSize(e.alignedSize()) + " at 0x" + Long.toHexString(e.address())
                    + " from heap #" + e.heapId() + " (requested: " + formatSize(e.requestedSize()) + ", heap: "
                    + formatSize(e.heapAvailable()) + ", total: " + formatSize(e.totalReserved()) + ")";
            case BUFFER_RECYCLED -> "Reusing " + e.storageMode() + scalar(e) + " buffer #" + e.bufferId()
                    + " of size " + formatSize(e.alignedSize()) + " at 0x" + Long.toHexString(e.address())
                    + " (requested: " + formatSize(e.requestedSize()) + ", use#: " + e.useCount() + ", retain#: "
                    + e.retainCount() + ")";
            case BUFFER_FREED -> "Freed " + e.storageMode() + scalar(e) + " buffer #" + e.bufferId() + " of size "
                    + formatSize(e.alignedSize()) + " (use#: " + e.useCount() + ", retain#: " + e.retainCount() + ")";
            case BUFFER_RELEASED -> "Released buffer #" + e.bufferId() + " of size " + formatSize(e.alignedSize())
                    + " from heap #" + e.heapId() + " (heap size: " + formatSize(e.heapAvailable()) + ", use#: "
                    + e.useCount() + ", retain#: " + e.retainCount() + ", gc#: " + e.gcAge() + ")";
            case HEAP_ALLOCATED -> "Allocated " + e.storageMode() + " heap #" + e.heapId() + " of size "
                    + formatSize(e.alignedSize()) + " (#heaps: " + e.count() + ", current allocated: "
                    + formatSize(e.totalReserved()) + ")";
            case HEAP_RELEASED -> "Released heap #" + e.heapId() + " of size " + formatSize(e.alignedSize())
                    + " (current allocated: " + formatSize(e.totalReserved()) + ", retain#: " + e.retainCount() + ")";
            case GARBAGE_COLLECTION -> "Garbage collected " + e.count() + " buffers from large " + e.storageMode()
                    + " pool (total reclaimed: " + formatSize(e.reclaimedBytes()) + ", target: "
                    + formatSize(e.targetBytes()) + ")";
            case ALLOCATION_FAILED -> e.message();
            case MEMORY_PRESSURE -> (e.pressure() ? "Memory pressure entered" : "Memory pressure left")
                    + " on " + e.storageMode() + " pool (allocated: " + formatSize(e.alignedSize())
                    + ", low watermark limit: " + formatSize(e.targetBytes()) + ")";
            case POOL_STATISTICS -> null;
        };
    }
}

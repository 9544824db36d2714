package io.heapscope.allocator;

import io.heapscope.allocator.event.AllocatorId;

import java.util.List;

/**
 * Everything about one allocator at one moment, taken under one lock acquisition: what a metrics exporter or a
 * periodic JFR event reads per collection ({@link HeapAllocator#snapshot()}).
 *
 * @param id                 the allocator
 * @param backend            the device backend: host, cuda or metal
 * @param verbosity          the verbosity mask in force
 * @param stats              allocator-wide statistics
 * @param pools              one entry per pool, in {@link PoolKind} order
 * @param highWatermarkLimit the high watermark in bytes, Long.MAX_VALUE when disabled
 * @param lowWatermarkLimit  the low watermark in bytes, Long.MAX_VALUE when disabled
 * @param underPressure      whether the last large allocation found the device above the low watermark
 */
public record AllocatorSnapshot(AllocatorId id, String backend, int verbosity, AllocatorStatistics stats,
                                List<PoolSnapshot> pools, long highWatermarkLimit, long lowWatermarkLimit,
                                boolean underPressure) {
    public AllocatorSnapshot {
        pools = List.copyOf(pools);
    }
}

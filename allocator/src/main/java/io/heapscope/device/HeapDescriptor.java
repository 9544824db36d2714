package io.heapscope.device;

/**
 * {@code MTLHeapDescriptor}: what a new heap should be. The heap type is always automatic placement by the
 * device, as in the seed.
 */
public record HeapDescriptor(long size, StorageMode storageMode, CpuCacheMode cpuCacheMode,
                             HazardTrackingMode hazardTrackingMode, ResourceOptions resourceOptions) {
    public HeapDescriptor {
        if (size <= 0) {
            throw new IllegalArgumentException("heap size must be positive, got " + size);
        }
        java.util.Objects.requireNonNull(storageMode, "storageMode");
        java.util.Objects.requireNonNull(cpuCacheMode, "cpuCacheMode");
        java.util.Objects.requireNonNull(hazardTrackingMode, "hazardTrackingMode");
        java.util.Objects.requireNonNull(resourceOptions, "resourceOptions");
    }
}

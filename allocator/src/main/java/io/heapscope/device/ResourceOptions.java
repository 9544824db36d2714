package io.heapscope.device;

/**
 * {@code MTLResourceOptions} as a value: storage mode, CPU cache mode and hazard tracking packed the way Metal packs
 * them ({@link #bits()}), so backends that talk to Metal pass the bits through unchanged.
 */
public record ResourceOptions(StorageMode storageMode, CpuCacheMode cpuCacheMode, HazardTrackingMode hazardTrackingMode) {
    private static final int STORAGE_SHIFT = 4;
    private static final int HAZARD_SHIFT = 8;

    public ResourceOptions {
        java.util.Objects.requireNonNull(storageMode, "storageMode");
        java.util.Objects.requireNonNull(cpuCacheMode, "cpuCacheMode");
        java.util.Objects.requireNonNull(hazardTrackingMode, "hazardTrackingMode");
    }

    /** The {@code MTLResourceOptions} bit pattern. */
    public long bits() {
        return cpuCacheMode.metalValue()
                | ((long) storageMode.metalValue() << STORAGE_SHIFT)
                | ((long) hazardTrackingMode.metalValue() << HAZARD_SHIFT);
    }

    public static ResourceOptions fromBits(long bits) {
        return new ResourceOptions(StorageMode.ofMetalValue((int) (bits >> STORAGE_SHIFT) & 0xF),
                CpuCacheMode.ofMetalValue((int) bits & 0xF),
                HazardTrackingMode.ofMetalValue((int) (bits >> HAZARD_SHIFT) & 0x3));
    }
}

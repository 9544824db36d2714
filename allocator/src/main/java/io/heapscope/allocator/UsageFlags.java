package io.heapscope.allocator;

import io.heapscope.device.CpuCacheMode;
import io.heapscope.device.HazardTrackingMode;
import io.heapscope.device.ResourceOptions;
import io.heapscope.device.StorageMode;

/** The seed's {@code UsageFlags}: buffer pools are customised with a combination of these bits. */
public final class UsageFlags {
    public static final int PRIVATE = 0;
    /** Small heaps have sizes of kSmallHeap, large ones kLargeHeap. */
    public static final int SMALL = 1;
    /** Shared storage (CPU-visible); otherwise private to the device. */
    public static final int SHARED = 1 << 1;
    /** Managed storage mode. */
    public static final int MANAGED = 1 << 2;
    /** Automatic hazard tracking for resources allocated on the pool. */
    public static final int HAZARD = 1 << 3;
    /** Used to import CPU scalar values to the device. */
    public static final int SCALAR = 1 << 4;
    /** Every defined bit. */
    public static final int ALL = 0x1F;

    private UsageFlags() {
    }

    static void check(int usage) {
        if ((usage & ~ALL) != 0) {
            throw new IllegalArgumentException("invalid usage flags 0x" + Integer.toHexString(usage)
                    + " (only bits 0x" + Integer.toHexString(ALL)
                    + " are defined: SMALL, SHARED, MANAGED, HAZARD, SCALAR)");
        }
    }

    /** {@code HeapBlock::getOptions}: the resource options buffers of a pool with this usage get. */
    public static ResourceOptions resourceOptions(int usage) {
        StorageMode storage;
        if ((usage & MANAGED) != 0) {
            storage = StorageMode.MANAGED;
        } else if ((usage & SHARED) != 0) {
            storage = StorageMode.SHARED;
        } else {
            storage = StorageMode.PRIVATE;
        }
        HazardTrackingMode hazard = (usage & HAZARD) != 0 ? HazardTrackingMode.TRACKED : HazardTrackingMode.UNTRACKED;
        return new ResourceOptions(storage, CpuCacheMode.DEFAULT_CACHE, hazard);
    }

    public static String describe(int usage) {
        if (usage == 0) {
            return "PRIVATE";
        }
        StringBuilder sb = new StringBuilder();
        String[] names = {"SMALL", "SHARED", "MANAGED", "HAZARD", "SCALAR"};
        for (int i = 0; i < names.length; i++) {
            if ((usage & (1 << i)) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return sb.toString();
    }
}

package io.heapscope.allocator;

/** The seed's five buffer pools with the usage flags each is created with ({@code init_buffer_pools}). */
public enum PoolKind {
    PRIVATE_SMALL(UsageFlags.SMALL | UsageFlags.PRIVATE | UsageFlags.HAZARD),
    PRIVATE_LARGE(UsageFlags.PRIVATE | UsageFlags.HAZARD),
    SHARED_SMALL(UsageFlags.SMALL | UsageFlags.SHARED | UsageFlags.HAZARD),
    SHARED_LARGE(UsageFlags.SHARED | UsageFlags.HAZARD),
    /** CPU scalars imported to the device; no hazard tracking (synchronized manually). */
    SCALAR(UsageFlags.SMALL | UsageFlags.SHARED | UsageFlags.SCALAR);

    private final int usage;

    PoolKind(int usage) {
        this.usage = usage;
    }

    public int usage() {
        return usage;
    }

    public boolean isSmall() {
        return (usage & UsageFlags.SMALL) != 0;
    }

    public boolean isShared() {
        return (usage & UsageFlags.SHARED) != 0;
    }

    public boolean isScalar() {
        return (usage & UsageFlags.SCALAR) != 0;
    }

    /** "shared" or "private", as the seed's log lines say. */
    public String storageName() {
        return isShared() ? "shared" : "private";
    }
}

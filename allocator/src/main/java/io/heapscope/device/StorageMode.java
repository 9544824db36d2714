package io.heapscope.device;

/** {@code MTLStorageMode}; the numbers are Metal's. */
public enum StorageMode {
    /** CPU and device both see the memory; buffers have {@link Buffer#contents()}. */
    SHARED(0),
    /** macOS managed mode: separate CPU and device copies kept in sync explicitly. */
    MANAGED(1),
    /** Device only; no CPU mapping. */
    PRIVATE(2),
    /** Tile memory; never used by the allocator. */
    MEMORYLESS(3);

    private final int metalValue;

    StorageMode(int metalValue) {
        this.metalValue = metalValue;
    }

    public int metalValue() {
        return metalValue;
    }

    public static StorageMode ofMetalValue(int value) {
        for (StorageMode m : values()) {
            if (m.metalValue == value) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown MTLStorageMode " + value);
    }
}

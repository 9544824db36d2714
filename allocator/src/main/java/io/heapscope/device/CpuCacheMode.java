package io.heapscope.device;

/** {@code MTLCPUCacheMode}; the numbers are Metal's. */
public enum CpuCacheMode {
    DEFAULT_CACHE(0),
    WRITE_COMBINED(1);

    private final int metalValue;

    CpuCacheMode(int metalValue) {
        this.metalValue = metalValue;
    }

    public int metalValue() {
        return metalValue;
    }

    public static CpuCacheMode ofMetalValue(int value) {
        for (CpuCacheMode m : values()) {
            if (m.metalValue == value) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown MTLCPUCacheMode " + value);
    }
}

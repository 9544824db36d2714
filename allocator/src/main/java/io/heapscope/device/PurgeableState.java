package io.heapscope.device;

/** {@code MTLPurgeableState}; the numbers are Metal's. */
public enum PurgeableState {
    KEEP_CURRENT(1),
    NON_VOLATILE(2),
    VOLATILE(3),
    EMPTY(4);

    private final int metalValue;

    PurgeableState(int metalValue) {
        this.metalValue = metalValue;
    }

    public int metalValue() {
        return metalValue;
    }

    public static PurgeableState ofMetalValue(int value) {
        for (PurgeableState s : values()) {
            if (s.metalValue == value) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown MTLPurgeableState " + value);
    }
}

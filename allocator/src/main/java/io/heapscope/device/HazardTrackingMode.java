package io.heapscope.device;

/** {@code MTLHazardTrackingMode}; the numbers are Metal's. */
public enum HazardTrackingMode {
    DEFAULT(0),
    UNTRACKED(1),
    TRACKED(2);

    private final int metalValue;

    HazardTrackingMode(int metalValue) {
        this.metalValue = metalValue;
    }

    public int metalValue() {
        return metalValue;
    }

    public static HazardTrackingMode ofMetalValue(int value) {
        for (HazardTrackingMode m : values()) {
            if (m.metalValue == value) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown MTLHazardTrackingMode " + value);
    }
}

package io.heapscope.allocator;

/**
 * A statistic at one moment: {@code current} value, {@code peak} since the last peak reset, and the totals
 * {@code allocated} (added) and {@code freed} (removed) since the last accumulated reset.
 */
public record StatSnapshot(long current, long peak, long allocated, long freed) {
}

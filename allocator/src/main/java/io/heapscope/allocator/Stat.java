package io.heapscope.allocator;

/**
 * A statistic in the shape of {@code c10::CachingAllocator::Stat}: current value, peak since the last peak reset,
 * and the totals added and removed since the last accumulated reset. Mutated under the allocator lock.
 */
final class Stat {
    private long current;
    private long peak;
    private long allocated;
    private long freed;

    void increase(long amount) {
        current += amount;
        allocated += amount;
        if (current > peak) {
            peak = current;
        }
    }

    void decrease(long amount) {
        current -= amount;
        freed += amount;
    }

    long current() {
        return current;
    }

    void resetPeak() {
        peak = current;
    }

    void resetAccumulated() {
        allocated = 0;
        freed = 0;
    }

    StatSnapshot snapshot() {
        return new StatSnapshot(current, peak, allocated, freed);
    }
}

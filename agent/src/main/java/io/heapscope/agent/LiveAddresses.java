package io.heapscope.agent;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sizes of live allocations by address, for hooks whose release call carries only the address (Unsafe.freeMemory).
 * Bounded: past its capacity new entries are dropped and counted, so the agent's memory stays fixed whatever the
 * application does; releases of unknown addresses (foreign, or dropped) are counted too.
 */
final class LiveAddresses {
    static final int DEFAULT_CAPACITY = 1 << 20;

    private final int capacity;
    private final ConcurrentHashMap<Long, Long> sizes = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong unknownReleases = new AtomicLong();

    LiveAddresses(int capacity) {
        this.capacity = capacity;
    }

    void put(long address, long bytes) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        if (sizes.put(address, bytes) != null) {
            size.decrementAndGet();
        }
    }

    /** The size recorded for the address, removed; -1 if unknown. */
    long remove(long address) {
        Long bytes = sizes.remove(address);
        if (bytes == null) {
            unknownReleases.incrementAndGet();
            return -1;
        }
        size.decrementAndGet();
        return bytes;
    }

    long dropped() {
        return dropped.get();
    }

    long unknownReleases() {
        return unknownReleases.get();
    }

    int size() {
        return size.get();
    }
}

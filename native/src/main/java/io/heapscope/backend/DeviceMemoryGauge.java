package io.heapscope.backend;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A device's {@code currentAllocatedSize} for backends whose driver query is expensive (CUDA's {@code cuMemGetInfo}
 * costs microseconds, and the allocator asks on every {@code malloc}).
 *
 * <p>The figure is {@code own + others}: {@code own} is this process's live heap bytes, read exactly at every call
 * (the backend counts its heaps itself); {@code others} is what the driver reports as used beyond that (other
 * processes, other allocators, the driver's own context), refreshed by a driver query
 * <ul>
 *   <li>whenever this process creates or releases a heap ({@link #refresh()}, called by the backend), and</li>
 *   <li>otherwise at least every {@code refreshNanos}, by a daemon thread.</li>
 * </ul>
 * <b>Staleness bound:</b> memory that others allocate or free on the device is seen within {@code refreshNanos}
 * (plus one driver query), or at this process's next heap creation or release, whichever comes first. This
 * process's own heaps are never stale. A {@link #current()} call costs two memory reads and no driver call.
 */
public final class DeviceMemoryGauge implements AutoCloseable {
    /** Default refresh period: 10 ms. */
    public static final long DEFAULT_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final LongSupplier ownBytes;
    private final LongSupplier driverUsedBytes;
    private final long refreshNanos;
    private final AtomicLong driverQueries = new AtomicLong();
    private final Object refreshLock = new Object();
    private final Thread refresher;
    private volatile long others;
    private volatile boolean closed;

    /**
     * @param ownBytes        this process's live heap bytes on the device (cheap, exact)
     * @param driverUsedBytes the driver's device-wide used bytes (expensive; called at the bounded rate only)
     * @param refreshNanos    the longest time between two driver queries; 0 = no periodic refresh (heap events only)
     * @param threadName      name of the refresher thread
     */
    public DeviceMemoryGauge(LongSupplier ownBytes, LongSupplier driverUsedBytes, long refreshNanos, String threadName) {
        this.ownBytes = Objects.requireNonNull(ownBytes, "ownBytes");
        this.driverUsedBytes = Objects.requireNonNull(driverUsedBytes, "driverUsedBytes");
        if (refreshNanos < 0) {
            throw new IllegalArgumentException("refresh period must not be negative, got " + refreshNanos + " ns");
        }
        this.refreshNanos = refreshNanos;
        refresh();
        if (refreshNanos > 0) {
            refresher = Thread.ofPlatform().daemon().name(threadName).unstarted(this::refreshLoop);
            refresher.start();
        } else {
            refresher = null;
        }
    }

    /** Device-wide allocated bytes: this process's heaps (exact) plus the others' bytes as last refreshed. */
    public long current() {
        return ownBytes.getAsLong() + others;
    }

    /** Queries the driver now (on heap creation and release, and periodically). */
    public void refresh() {
        synchronized (refreshLock) {
            long used = driverUsedBytes.getAsLong();
            driverQueries.incrementAndGet();
            others = Math.max(0, used - ownBytes.getAsLong());
        }
    }

    /** How many driver queries were made so far. */
    public long driverQueries() {
        return driverQueries.get();
    }

    public long refreshNanos() {
        return refreshNanos;
    }

    private void refreshLoop() {
        while (!closed) {
            LockSupport.parkNanos(refreshNanos);
            if (closed) {
                return;
            }
            try {
                refresh();
            } catch (RuntimeException e) {
                // a failing driver query (e.g. the device going away during close) keeps the last figure
                if (closed) {
                    return;
                }
            }
        }
    }

    /** Stops the periodic refresh and waits for the refresher thread to end. */
    @Override
    public void close() {
        closed = true;
        if (refresher != null) {
            LockSupport.unpark(refresher);
            try {
                refresher.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

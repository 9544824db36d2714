package io.heapscope.telemetry.jfr;

import io.heapscope.allocator.AllocatorRegistry;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.PoolSnapshot;
import jdk.jfr.FlightRecorder;

/**
 * The periodic {@code heapscope.PoolStatistics} event: one event per pool of every live allocator whose verbosity
 * has PROFILING, at the period the recording sets (1 s by default). Registered once per JVM; it reads the
 * {@link AllocatorRegistry}, so it keeps no allocator alive.
 */
public final class JfrPoolStatistics {
    private static final Runnable HOOK = JfrPoolStatistics::emit;
    private static boolean registered;

    private JfrPoolStatistics() {
    }

    /** Registers the periodic event; idempotent. */
    public static synchronized void register() {
        if (!registered) {
            FlightRecorder.addPeriodicEvent(PoolStatisticsEvent.class, HOOK);
            registered = true;
        }
    }

    public static synchronized void unregister() {
        if (registered) {
            FlightRecorder.removePeriodicEvent(HOOK);
            registered = false;
        }
    }

    static void emit() {
        for (HeapAllocator a : AllocatorRegistry.liveAllocators()) {
            if (!DebugVerbosity.PROFILING.isSet(a.getDebugVerbosity())) {
                continue;
            }
            for (PoolSnapshot p : a.poolSnapshots()) {
                PoolStatisticsEvent e = new PoolStatisticsEvent();
                e.allocator = System.identityHashCode(a);
                e.pool = p.kind().name();
                e.reserved = p.reserved();
                e.inUse = p.inUse();
                e.cached = p.cached();
                e.heaps = p.heaps();
                e.buffers = p.buffers();
                e.cachedBuffers = p.cachedBuffers();
                e.pendingFree = p.pendingFree();
                e.highWatermarkLimit = a.getHighWatermarkLimit();
                e.lowWatermarkLimit = a.getLowWatermarkLimit();
                e.commit();
            }
        }
    }
}

package io.heapscope.telemetry.jfr;

import io.heapscope.allocator.AllocatorRegistry;
import io.heapscope.allocator.AllocatorSnapshot;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.PoolSnapshot;
import jdk.jfr.FlightRecorder;

/**
 * The periodic {@code heapscope.PoolStatistics} event: one event per pool of every live allocator whose verbosity
 * has PROFILING, at the period the recording sets (1 s by default). Registered once per JVM, the first time an
 * allocator with a JFR sink gets PROFILING (registering a periodic event starts JFR's machinery, which a SILENT
 * allocator must not pay for); it reads the {@link AllocatorRegistry}, so it keeps no allocator alive.
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
            AllocatorSnapshot s = a.snapshot();
            long deviceAllocated = a.getDriverAllocatedMemory();
            for (PoolSnapshot p : s.pools()) {
                PoolStatisticsEvent e = new PoolStatisticsEvent();
                e.allocatorId = s.id().id();
                e.allocatorName = s.id().name();
                e.pool = p.kind().name();
                e.reserved = p.reserved();
                e.inUse = p.inUse();
                e.cached = p.cached();
                e.heaps = p.heaps();
                e.buffers = p.buffers();
                e.cachedBuffers = p.cachedBuffers();
                e.pendingFree = p.pendingFree();
                e.pendingFreeBytes = p.pendingFreeBytes();
                e.highWatermarkLimit = s.highWatermarkLimit();
                e.lowWatermarkLimit = s.lowWatermarkLimit();
                e.deviceAllocated = deviceAllocated;
                e.fragmentation = p.fragmentation();
                e.commit();
            }
        }
    }
}

package io.heapscope.telemetry.jfr;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.event.TelemetryProvider;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;

import java.lang.ref.WeakReference;
import java.util.List;

/**
 * The {@code jfr} telemetry: a {@link JfrAllocatorListener} on the allocator and, once the allocator's verbosity
 * asks for any event, every Heapscope event type registered with JFR, so each appears in a recording's metadata even
 * if it never fires (JMC's rules report types they cannot find as unknown). The periodic pool statistics are
 * registered under PROFILING. Nothing of JFR is touched while the allocator is SILENT.
 */
public final class JfrTelemetry implements TelemetryProvider {
    private static final JfrAllocatorListener LISTENER = new JfrAllocatorListener();
    /** Every event type of the allocator, in the order of the reference table in docs/telemetry.md. */
    public static final List<Class<? extends Event>> EVENT_TYPES = List.of(BufferAllocatedEvent.class,
            BufferRecycledEvent.class, BufferFreedEvent.class, BufferReleasedEvent.class, HeapAllocatedEvent.class,
            HeapReleasedEvent.class, GarbageCollectionEvent.class, AllocationFailedEvent.class,
            MemoryPressureEvent.class, PoolStatisticsEvent.class);
    private static boolean typesRegistered;

    @Override
    public String name() {
        return "jfr";
    }

    @Override
    public AutoCloseable attach(HeapAllocator allocator) {
        allocator.addListener(LISTENER);
        WeakReference<HeapAllocator> ref = new WeakReference<>(allocator);
        allocator.addVerbosityListener((a, mask) -> onVerbosity(mask));
        onVerbosity(allocator.getDebugVerbosity());
        return () -> {
            HeapAllocator a = ref.get();
            if (a != null) {
                a.removeListener(LISTENER);
            }
        };
    }

    private static void onVerbosity(int mask) {
        if (mask != DebugVerbosity.SILENT) {
            registerTypes();
        }
        if (DebugVerbosity.PROFILING.isSet(mask)) {
            JfrPoolStatistics.register();
        }
    }

    /** Registers every Heapscope event type with JFR; idempotent. */
    public static synchronized void registerTypes() {
        if (!typesRegistered) {
            for (Class<? extends Event> type : EVENT_TYPES) {
                FlightRecorder.register(type);
            }
            typesRegistered = true;
        }
    }
}

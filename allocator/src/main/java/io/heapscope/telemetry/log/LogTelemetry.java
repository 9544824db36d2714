package io.heapscope.telemetry.log;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.event.TelemetryProvider;

import java.lang.ref.WeakReference;

/** The {@code log} telemetry: the seed's diagnostic lines ({@link SeedLogListener}). */
public final class LogTelemetry implements TelemetryProvider {
    @Override
    public String name() {
        return "log";
    }

    @Override
    public AutoCloseable attach(HeapAllocator allocator) {
        SeedLogListener listener = new SeedLogListener();
        allocator.addListener(listener);
        WeakReference<HeapAllocator> ref = new WeakReference<>(allocator);
        return () -> {
            HeapAllocator a = ref.get();
            if (a != null) {
                a.removeListener(listener);
            }
        };
    }
}

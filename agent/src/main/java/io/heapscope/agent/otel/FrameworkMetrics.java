package io.heapscope.agent.otel;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Off-heap memory per framework, as the agent's hooks see it: live bytes and count, allocations, frees and bytes
 * allocated. Counted always (a few LongAdder increments per hooked call, whether or not any exporter runs), exported
 * as OpenTelemetry metrics through one batch callback when {@link #register(OpenTelemetry)} is called, so a
 * dashboard shows each framework's off-heap memory even when no span or JFR event is wanted.
 *
 * <p>Names follow the OpenTelemetry semantic-convention style (dotted namespace, unit in {@code setUnit}); the
 * Prometheus exporter turns them into {@code heapscope_framework_memory_live_bytes}, ... (docs/telemetry.md).
 */
public final class FrameworkMetrics {
    public static final String LIVE_BYTES = "heapscope.framework.memory.live";
    public static final String LIVE_COUNT = "heapscope.framework.buffers.live";
    public static final String ALLOCATIONS = "heapscope.framework.allocations";
    public static final String FREES = "heapscope.framework.frees";
    public static final String ALLOCATED_BYTES = "heapscope.framework.allocated";
    public static final AttributeKey<String> FRAMEWORK = io.heapscope.telemetry.otel.HeapscopeAttributes.FRAMEWORK;

    /** The counters of one framework (found per event with one lock-free {@link ConcurrentHashMap} read). */
    public static final class Counters {
        final Attributes attributes;
        final LongAdder liveBytes = new LongAdder();
        final LongAdder liveCount = new LongAdder();
        final LongAdder allocations = new LongAdder();
        final LongAdder frees = new LongAdder();
        final LongAdder allocatedBytes = new LongAdder();

        Counters(String framework) {
            this.attributes = Attributes.of(FRAMEWORK, framework);
        }

        public void allocated(long bytes) {
            liveBytes.add(bytes);
            liveCount.increment();
            allocations.increment();
            allocatedBytes.add(bytes);
        }

        public void freed(long bytes) {
            liveBytes.add(-bytes);
            liveCount.decrement();
            frees.increment();
        }
    }

    private static final Map<String, Counters> BY_FRAMEWORK = new ConcurrentHashMap<>();
    private static BatchCallback callback;

    private FrameworkMetrics() {
    }

    public static Counters of(String framework) {
        return BY_FRAMEWORK.computeIfAbsent(framework, Counters::new);
    }

    /** Registers the instruments in this OpenTelemetry; once per JVM (a second call replaces the first). */
    public static synchronized void register(OpenTelemetry openTelemetry) {
        if (callback != null) {
            callback.close();
        }
        Meter meter = openTelemetry.getMeter("io.heapscope"); // the scope every Heapscope series carries (dashboards select on it)
        ObservableLongMeasurement live = meter.upDownCounterBuilder(LIVE_BYTES).setUnit("By")
                .setDescription("Off-heap bytes allocated through the framework and not yet freed").buildObserver();
        ObservableLongMeasurement count = meter.upDownCounterBuilder(LIVE_COUNT).setUnit("{buffer}")
                .setDescription("Off-heap allocations of the framework not yet freed").buildObserver();
        ObservableLongMeasurement allocations = meter.counterBuilder(ALLOCATIONS).setUnit("{allocation}")
                .setDescription("Off-heap allocations through the framework").buildObserver();
        ObservableLongMeasurement frees = meter.counterBuilder(FREES).setUnit("{free}")
                .setDescription("Off-heap frees through the framework").buildObserver();
        ObservableLongMeasurement allocated = meter.counterBuilder(ALLOCATED_BYTES).setUnit("By")
                .setDescription("Off-heap bytes allocated through the framework").buildObserver();
        callback = meter.batchCallback(() -> {
            for (Counters c : BY_FRAMEWORK.values()) {
                live.record(c.liveBytes.sum(), c.attributes);
                count.record(c.liveCount.sum(), c.attributes);
                allocations.record(c.allocations.sum(), c.attributes);
                frees.record(c.frees.sum(), c.attributes);
                allocated.record(c.allocatedBytes.sum(), c.attributes);
            }
        }, live, count, allocations, frees, allocated);
    }
}

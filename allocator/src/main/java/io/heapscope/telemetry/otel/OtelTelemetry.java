package io.heapscope.telemetry.otel;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.event.TelemetryProvider;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;

import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The {@code otel} telemetry: a span per event ({@link OtelSpanListener}) and, once the allocator's verbosity has
 * PROFILING, its metrics ({@link AllocatorMetrics}). Found by {@link java.util.ServiceLoader} it uses
 * {@link GlobalOpenTelemetry}, looked up when first needed rather than at construction, so an SDK the application or
 * the OpenTelemetry agent installs later is the one that gets the data; {@link #using(OpenTelemetry)} pins one.
 */
public final class OtelTelemetry implements TelemetryProvider {
    private final Supplier<OpenTelemetry> openTelemetry;
    private final SpanPolicy spans;
    private final boolean metricsAlways;

    /** For the ServiceLoader: the global OpenTelemetry, resolved late; the span policy from the system settings. */
    public OtelTelemetry() {
        this(OtelTelemetry::globalIfSet, null);
    }

    /**
     * The global OpenTelemetry once someone has set it, else null (no span, no metrics yet). Never
     * {@code GlobalOpenTelemetry.get()} while unset: that would pin a no-op global and make the application's own
     * later {@code set} fail.
     */
    private static OpenTelemetry globalIfSet() {
        try {
            return GlobalOpenTelemetry.isSet() ? GlobalOpenTelemetry.get() : null;
        } catch (LinkageError e) {
            return null; // an OpenTelemetry API older than isSet(): stay out of its way
        }
    }

    private OtelTelemetry(Supplier<OpenTelemetry> openTelemetry, SpanPolicy spans) {
        this(openTelemetry, spans, false);
    }

    private OtelTelemetry(Supplier<OpenTelemetry> openTelemetry, SpanPolicy spans, boolean metricsAlways) {
        this.openTelemetry = openTelemetry;
        this.spans = spans;
        this.metricsAlways = metricsAlways;
    }

    /**
     * The same telemetry exporting allocator metrics whatever the verbosity when {@code always} (as the agent does when
     * a metrics exporter is configured), instead of only under PROFILING.
     */
    public OtelTelemetry metricsAlways(boolean always) {
        return new OtelTelemetry(openTelemetry, spans, always);
    }

    /** Telemetry to this OpenTelemetry, e.g. {@code builder.telemetry(OtelTelemetry.using(sdk))}. */
    public static OtelTelemetry using(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        return new OtelTelemetry(() -> openTelemetry, null);
    }

    /** The same telemetry with this span policy instead of the one from {@code heapscope.otel.spans*}. */
    public OtelTelemetry withSpans(SpanPolicy policy) {
        return new OtelTelemetry(openTelemetry, Objects.requireNonNull(policy, "policy"), metricsAlways);
    }

    @Override
    public String name() {
        return "otel";
    }

    @Override
    public AutoCloseable attach(HeapAllocator allocator) {
        OtelSpanListener spans = new OtelSpanListener(openTelemetry,
                this.spans != null ? this.spans : SpanPolicy.fromSystem());
        allocator.addListener(spans);
        Attachment attachment = new Attachment(new WeakReference<>(allocator), spans);
        allocator.addVerbosityListener((a, mask) -> attachment.onVerbosity(mask));
        attachment.onVerbosity(allocator.getDebugVerbosity());
        return attachment;
    }

    /** What one allocator got: spans now, metrics from the first PROFILING on. */
    private final class Attachment implements AutoCloseable {
        private final WeakReference<HeapAllocator> allocator;
        private final OtelSpanListener spans;
        private AllocatorMetrics metrics;
        private boolean closed;

        Attachment(WeakReference<HeapAllocator> allocator, OtelSpanListener spans) {
            this.allocator = allocator;
            this.spans = spans;
        }

        synchronized void onVerbosity(int mask) {
            HeapAllocator a = allocator.get();
            if (!closed && metrics == null && a != null && (metricsAlways || DebugVerbosity.PROFILING.isSet(mask))) {
                OpenTelemetry otel = openTelemetry.get();
                if (otel != null) { // no global yet: registered at the next verbosity change after it is set
                    metrics = new AllocatorMetrics(a, otel, metricsAlways);
                }
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (metrics != null) {
                metrics.close();
                metrics = null;
            }
            HeapAllocator a = allocator.get();
            if (a != null) {
                a.removeListener(spans);
            }
        }
    }
}

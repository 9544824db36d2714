package io.heapscope.telemetry.otel;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;

import java.util.function.Supplier;

/**
 * A tracer taken from an OpenTelemetry that may not be decided yet (the agent decides on its own thread): null while
 * the supplier has none, then the tracer, cached once it exists.
 */
public final class LazyTracer {
    private final Supplier<OpenTelemetry> openTelemetry;
    private final String scope;
    private final String version;
    private volatile Tracer tracer;

    /** @param version the instrumentation scope's version, or null for none */
    public LazyTracer(Supplier<OpenTelemetry> openTelemetry, String scope, String version) {
        this.openTelemetry = openTelemetry;
        this.scope = scope;
        this.version = version;
    }

    /** The tracer, or null while the supplier has no OpenTelemetry yet (nothing is cached until it has one). */
    public Tracer get() {
        Tracer t = tracer;
        if (t == null) {
            OpenTelemetry otel = openTelemetry.get();
            if (otel == null) {
                return null;
            }
            t = version == null ? otel.getTracer(scope) : otel.getTracer(scope, version);
            tracer = t;
        }
        return t;
    }
}

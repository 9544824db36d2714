package io.heapscope.agent.otel;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The OpenTelemetry the agent reports to, decided once, off the application's threads:
 * <ol>
 *   <li>if the application or the OpenTelemetry Java agent has set a global OpenTelemetry, that one, whichever
 *       {@code -javaagent} came first (when the OpenTelemetry agent is on the command line, its global is waited
 *       for, up to {@code heapscope.otel.wait} = 10 s);</li>
 *   <li>else an SDK from the standard autoconfiguration ({@code otel.*} / {@code OTEL_*}: exporters, service name,
 *       resource), with every exporter defaulting to {@code none} and the Prometheus endpoint to 127.0.0.1.</li>
 * </ol>
 * Nothing here may stop the agent: an exporter that cannot start, a bad setting, or an OpenTelemetry API in the
 * application too old for the SDK disables OpenTelemetry with one line on stderr saying what and why; JFR and the
 * hooks keep working.
 */
public final class AgentOpenTelemetry {
    private static final CompletableFuture<OpenTelemetry> RESOLVED = new CompletableFuture<>();
    private static volatile String disabledReason;
    private static boolean started;

    private AgentOpenTelemetry() {
    }

    /** Starts the decision on a daemon thread; then runs {@code whenReady} with the OpenTelemetry (not if disabled). */
    public static synchronized void start(Consumer<OpenTelemetry> whenReady) {
        if (!started) {
            started = true;
            Thread t = new Thread(AgentOpenTelemetry::resolve, "heapscope-otel-init");
            t.setDaemon(true);
            t.start();
        }
        RESOLVED.thenAccept(otel -> {
            if (otel != null) {
                try {
                    whenReady.accept(otel);
                } catch (RuntimeException | LinkageError e) {
                    disable("registering with OpenTelemetry failed: " + e);
                }
            }
        });
    }

    /** The OpenTelemetry once decided, or null while undecided or when disabled (callers then emit nothing). */
    public static OpenTelemetry current() {
        return RESOLVED.getNow(null);
    }

    /** Why OpenTelemetry is off, or null. */
    public static String disabledReason() {
        return disabledReason;
    }

    private static void resolve() {
        OpenTelemetry result = null;
        try {
            result = global();
            if (result == null) {
                result = autoconfigured();
            }
        } catch (LinkageError e) {
            disable("the application's OpenTelemetry API is incompatible with the agent's SDK (" + e + ")");
        } catch (RuntimeException e) {
            disable(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        RESOLVED.complete(result);
    }

    private static OpenTelemetry global() throws LinkageError {
        long waitMillis = Long.getLong("heapscope.otel.wait", 10_000);
        boolean otelAgent = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-javaagent:") && a.contains("opentelemetry"));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(otelAgent ? waitMillis : 0);
        while (true) {
            if (GlobalOpenTelemetry.isSet()) {
                return GlobalOpenTelemetry.get();
            }
            if (System.nanoTime() >= deadline) {
                return null;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** Whether {@code otel.metrics.exporter} / {@code OTEL_METRICS_EXPORTER} names an exporter (not none). */
    public static boolean metricsExporterConfigured() {
        return configured("otel.metrics.exporter", "OTEL_METRICS_EXPORTER");
    }

    private static boolean configured(String property, String variable) {
        String v = System.getProperty(property, System.getenv(variable));
        return v != null && !v.isBlank() && !v.strip().equalsIgnoreCase("none");
    }

    /** An SDK only when some exporter is configured: one that sends nothing would cost start-up for nothing. */
    private static OpenTelemetry autoconfigured() {
        if (!configured("otel.traces.exporter", "OTEL_TRACES_EXPORTER") && !metricsExporterConfigured()) {
            return null;
        }
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.traces.exporter", "none");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        defaults.put("otel.service.name", "heapscope-agent");
        defaults.put("otel.exporter.prometheus.host", "127.0.0.1");
        try {
            return AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .build()
                    .getOpenTelemetrySdk();
        } catch (RuntimeException e) {
            throw new IllegalStateException("OpenTelemetry could not be configured: " + e.getMessage(), e);
        }
    }

    private static void disable(String why) {
        disabledReason = why;
        System.err.println("heapscope agent: OpenTelemetry disabled (JFR and the hooks keep working): " + why);
    }
}

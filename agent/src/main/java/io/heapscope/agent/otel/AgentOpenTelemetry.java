package io.heapscope.agent.otel;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The OpenTelemetry the agent reports to, decided once, off the application's threads:
 * <ol>
 *   <li>if the application or the OpenTelemetry Java agent has set a global OpenTelemetry, that one, whichever
 *       {@code -javaagent} came first (when the OpenTelemetry agent is on the command line, its global is waited
 *       for, up to {@code heapscope.otel.wait} = 60 s, then OpenTelemetry is disabled rather than exported twice);</li>
 *   <li>else an SDK from the standard autoconfiguration ({@code otel.*} / {@code OTEL_*}: exporters, service name,
 *       resource), with every exporter defaulting to {@code none} and the Prometheus endpoint to 127.0.0.1.</li>
 * </ol>
 * Nothing here may stop the agent: an exporter that cannot start, a bad setting, or an OpenTelemetry API in the
 * application too old for the SDK disables OpenTelemetry with one line on stderr saying what and why; JFR and the
 * hooks keep working.
 */
public final class AgentOpenTelemetry {
    /**
     * System property the decision is left in, for operators and tests: {@code global} (the application's or the
     * OpenTelemetry Java agent's), {@code sdk} (the agent's own autoconfigured one), {@code none} (no exporter
     * configured, no global) or {@code disabled: <why>}.
     */
    public static final String STATUS_PROPERTY = "heapscope.agent.otel";
    private static final CompletableFuture<OpenTelemetry> RESOLVED = new CompletableFuture<>();
    private static volatile String disabledReason;
    /** Held: java.util.logging keeps loggers only weakly, and with them their level. */
    private static Logger sdkLogger;
    private static Logger globalLogger;
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
        return disabledReason != null ? null : RESOLVED.getNow(null);
    }

    /** Runs {@code then} once decided, whatever the decision (at once if already decided). */
    public static void whenDecided(Runnable then) {
        RESOLVED.whenComplete((otel, failure) -> then.run());
    }

    /** False while the decision is still being made (then {@link #current()} is null but may not stay so). */
    public static boolean decided() {
        return RESOLVED.isDone() || disabledReason != null;
    }

    /** Why OpenTelemetry is off, or null. */
    public static String disabledReason() {
        return disabledReason;
    }

    private static void resolve() {
        OpenTelemetry result = null;
        try {
            quietProbe();
            result = global();
            if (result != null) {
                status("global");
            } else {
                result = autoconfigured();
                status(result != null ? "sdk" : "none");
            }
        } catch (LinkageError e) {
            String api = apiOrigin();
            disable(api == null ? "OpenTelemetry could not start (" + e + ")"
                    : "the application's OpenTelemetry API (" + api + ") is incompatible with the agent's SDK (" + e + ")");
        } catch (RuntimeException e) {
            disable(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        RESOLVED.complete(result);
    }

    /**
     * When the application has no OpenTelemetry API of its own, {@code GlobalOpenTelemetry} is the agent jar's, whose
     * autoconfigure probe names the agent's relocated SDK (the shading rewrites string constants too): the first
     * {@code GlobalOpenTelemetry.get()} (an allocator's own {@code otel} sink) would find it and log an INFO line into
     * the application's output. That logger is the agent's alone then; warnings still pass.
     */
    private static void quietProbe() {
        if (apiOrigin() == null) {
            globalLogger = Logger.getLogger(GlobalOpenTelemetry.class.getName());
            globalLogger.setLevel(Level.WARNING);
        }
    }

    /** Where the OpenTelemetry API in use came from, when not from the agent's own jar; else null. */
    private static String apiOrigin() {
        try {
            java.security.CodeSource api = GlobalOpenTelemetry.class.getProtectionDomain().getCodeSource();
            java.security.CodeSource agent = AgentOpenTelemetry.class.getProtectionDomain().getCodeSource();
            if (api == null || agent == null || api.getLocation().equals(agent.getLocation())) {
                return null;
            }
            return api.getLocation().getPath();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static OpenTelemetry global() throws LinkageError {
        long waitMillis = Long.getLong("heapscope.otel.wait", 60_000);
        boolean otelAgent = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-javaagent:") && a.contains("opentelemetry"));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(otelAgent ? waitMillis : 0);
        while (true) {
            if (GlobalOpenTelemetry.isSet()) {
                return GlobalOpenTelemetry.get();
            }
            if (System.nanoTime() >= deadline) {
                if (otelAgent) {
                    // a pipeline of our own beside the OpenTelemetry agent's would export everything twice (or fight
                    // over its Prometheus port): better none
                    throw new IllegalStateException("the OpenTelemetry Java agent set no global OpenTelemetry within "
                            + waitMillis + " ms (heapscope.otel.wait)");
                }
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
        // the specification's default (and the OpenTelemetry Java agent's); the SDK's autoconfigure still says grpc
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        String autoconfigure = AutoConfiguredOpenTelemetrySdk.class.getPackageName();
        // the SDK's INFO lines ("Error encountered during autoconfiguration...") are not for the application's
        // output: what matters is said in the agent's one line; warnings still pass
        sdkLogger = Logger.getLogger(autoconfigure.substring(0, autoconfigure.lastIndexOf('.')));
        sdkLogger.setLevel(Level.WARNING);
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .addSpanProcessorCustomizer((processor, config) -> FailureSpans.around(processor))
                    .build()
                    .getOpenTelemetrySdk();
            ExportFailures.watch(sdk);
            return sdk;
        } catch (RuntimeException e) {
            throw new IllegalStateException("OpenTelemetry could not be configured: " + e.getMessage(), e);
        }
    }

    /**
     * The agent's own exporters log through java.util.logging (their relocated class names), by default on stderr,
     * once per failed export: a collector that is down would fill the application's output. A collector that cannot
     * be reached at all instead disables the agent's OpenTelemetry with one line naming the cause and shuts its SDK
     * down (nothing is retried or queued for the rest of the JVM's life); any other export error is said once, and
     * the SDK goes on; lower levels are dropped.
     */
    private static final class ExportFailures extends Handler {
        /** Held: java.util.logging keeps loggers only weakly, and with them this configuration. */
        private static final java.util.List<Logger> WATCHED = new java.util.ArrayList<>();
        private final OpenTelemetrySdk sdk;

        private ExportFailures(OpenTelemetrySdk sdk) {
            this.sdk = sdk;
        }

        static synchronized void watch(OpenTelemetrySdk sdk) {
            String prometheus = io.opentelemetry.exporter.prometheus.PrometheusHttpServer.class.getPackageName();
            String exporters = prometheus.substring(0, prometheus.lastIndexOf('.'));
            ExportFailures handler = new ExportFailures(sdk);
            // the network exporters and their senders; not the logging exporter, whose output is its purpose
            for (String part : new String[] {"otlp", "sender", "internal", "prometheus"}) {
                Logger l = Logger.getLogger(exporters + "." + part);
                l.setUseParentHandlers(false);
                l.addHandler(handler);
                WATCHED.add(l);
            }
        }

        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() < Level.WARNING.intValue() || disabledReason != null) {
                return;
            }
            String message = r.getMessage() == null ? "" : r.getMessage();
            if (r.getThrown() != null && !message.contains(String.valueOf(r.getThrown().getMessage()))) {
                message += " (" + r.getThrown() + ")";
            }
            if (!unreachable(r.getThrown()) && !message.contains("Failed to connect")) {
                // any other export error (a collector answering with an error, a dropped connection): the SDK keeps
                // trying; said once, the later ones dropped
                if (!otherFailureSaid) {
                    otherFailureSaid = true;
                    System.err.println("heapscope agent: OpenTelemetry export failing (JFR and the hooks keep working;"
                            + " further export errors not shown): " + message.strip());
                }
                return;
            }
            disable("exporting failed: " + message.strip());
            Thread t = new Thread(sdk::close, "heapscope-otel-shutdown");
            t.setDaemon(true);
            t.start();
        }

        private boolean otherFailureSaid;

        /** A collector that cannot be reached at all (refused, no route, unknown host) somewhere in the causes. */
        private static boolean unreachable(Throwable t) {
            for (int depth = 0; t != null && depth < 10; t = t.getCause(), depth++) {
                if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                        || t instanceof java.net.UnknownHostException) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static void status(String status) {
        try {
            System.setProperty(STATUS_PROPERTY, status);
        } catch (RuntimeException e) {
            // a security manager or a locked-down Properties: the status is only informative
        }
    }

    private static synchronized void disable(String why) {
        if (disabledReason != null) {
            return; // one line
        }
        disabledReason = why;
        status("disabled: " + why);
        System.err.println("heapscope agent: OpenTelemetry disabled (JFR and the hooks keep working): " + why);
    }
}

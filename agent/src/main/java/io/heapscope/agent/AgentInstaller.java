package io.heapscope.agent;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import io.heapscope.agent.events.AgentSink;
import io.heapscope.agent.events.JfrAgentSink;
import io.heapscope.agent.events.LogAgentSink;
import io.heapscope.agent.events.OtelAgentSink;
import io.heapscope.agent.hooks.FrameworkHook;
import io.heapscope.agent.hooks.HeapscopeAllocatorHook;
import io.heapscope.agent.otel.AgentOpenTelemetry;
import io.heapscope.agent.otel.FrameworkMetrics;
import io.heapscope.allocator.AllocatorRegistry;
import io.heapscope.allocator.event.TelemetryProvider;
import io.heapscope.telemetry.SinkKind;
import io.heapscope.telemetry.jfr.JfrTelemetry;
import io.heapscope.telemetry.log.LogTelemetry;
import io.heapscope.telemetry.otel.OtelTelemetry;
import io.heapscope.telemetry.otel.SpanPolicy;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import io.heapscope.agent.weave.MethodHook;
import io.heapscope.agent.weave.Weaver;

import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Installs the hooks found by {@link java.util.ServiceLoader} and builds the agent's sinks. Nothing is built while every flag
 * is off (no sinks, no recording, no bytecode): an agent started with {@code verbosity=0} costs only its own loading;
 * a later attach that turns flags on does the rest. A second attach updates the verbosity, and starts the
 * {@code jfr.file} recording it names if none is running.
 */
final class AgentInstaller {

    private static FrameworkEvents events;
    private static boolean hooksInstalled;
    private static boolean allocatorsHooked;
    private static Recording recording;

    private AgentInstaller() {
    }

    /** Every hook on the agent's class path, in service-file order. */
    static List<FrameworkHook> availableHooks() {
        return FrameworkHook.available();
    }

    /**
     * Applies the options. Returns a note for the caller of an attach (empty when there is nothing to say).
     *
     * @throws Exception when the options cannot be applied; nothing was changed then
     */
    static synchronized String install(String args, Instrumentation inst) throws Exception {
        AgentOptions options = AgentOptions.parse(args);
        StringBuilder note = new StringBuilder();
        boolean on = options.verbosity() != 0;
        if (events == null) {
            if (!on && !(options.sinks().contains(SinkKind.OTEL) && AgentOpenTelemetry.metricsExporterConfigured())) {
                return "every flag is off: nothing installed until an attach turns flags on";
            }
            // flags off but a metrics exporter configured: hooks count per-framework metrics, emit no events
            start(options, inst);
            return "hooks " + String.join("+", options.hooks()) + (recording != null ? ", recording to "
                    + recording.getDestination() : "");
        }
        events.setVerbosity(options.verbosity());
        HeapscopeDispatch.activate(on);
        if (on && !hooksInstalled) {
            installHooks(options, inst);
        }
        if (on && !allocatorsHooked) {
            hookAllocators(options, allocatorTelemetry(options));
        }
        if (options.jfrFile() != null) {
            if (recording == null) {
                recording = startRecording(options);
                note.append("recording to ").append(recording.getDestination());
            } else if (!options.jfrFile().toAbsolutePath().equals(recording.getDestination().toAbsolutePath())) {
                throw new IllegalStateException("a recording to " + recording.getDestination()
                        + " is already running; not starting another to " + options.jfrFile());
            }
        }
        return note.append(note.isEmpty() ? "" : "; ").append("verbosity ").append(options.verbosity()).toString();
    }

    private static void debug(String what, long since) {
        if (Boolean.getBoolean("heapscope.agent.debug")) {
            System.err.printf(Locale.ROOT, "heapscope agent: %s in %.1f ms%n", what, (System.nanoTime() - since) / 1e6);
        }
    }

    /**
     * The sinks, the recording and the FFM close-action method, built on a second thread while the hooks are woven on
     * this one.
     */
    private record Telemetry(List<AgentSink> sinks, List<TelemetryProvider> allocators, Recording recording,
                             java.lang.reflect.Method closeAction) {
    }

    private static Telemetry telemetry(AgentOptions options, Instrumentation inst) throws Exception {
        long t0 = System.nanoTime();
        java.lang.reflect.Method closeAction = options.hooks().contains("ffm") ? closeActionMethod(inst) : null;
        List<AgentSink> sinks = new ArrayList<>();
        if (options.sinks().contains(SinkKind.JFR)) {
            sinks.add(new JfrAgentSink());
            debug("jfr sink built", t0);
        }
        if (options.sinks().contains(SinkKind.OTEL)) {
            long t = System.nanoTime();
            OtelAgentSink otel = new OtelAgentSink(AgentOpenTelemetry::current, AgentOpenTelemetry::decided,
                    spanPolicy());
            sinks.add(otel);
            startOpenTelemetry(options, otel);
            debug("otel sink built", t);
        }
        if (options.sinks().contains(SinkKind.LOG)) {
            sinks.add(new LogAgentSink(System.err));
        }
        List<TelemetryProvider> allocators = allocatorTelemetry(options);
        debug("sinks built", t0);
        long t1 = System.nanoTime();
        Recording r = options.jfrFile() != null ? startRecording(options) : null;
        debug("recording started", t1);
        return new Telemetry(sinks, allocators, r, closeAction);
    }

    /**
     * Builds the telemetry and installs the hooks in parallel (both cost startup; the host has at least two
     * cores more often than not), then connects them before the application starts: nothing is reported before.
     */
    private static void start(AgentOptions options, Instrumentation inst) throws Exception {
        java.util.concurrent.FutureTask<Telemetry> built = new java.util.concurrent.FutureTask<>(() -> telemetry(options, inst));
        Thread side = new Thread(built, "heapscope-agent-start");
        side.setDaemon(true);
        side.start();
        long t2 = System.nanoTime();
        Throwable hookFailure = null;
        try {
            if (!hooksInstalled) { // an earlier start may have installed them before its telemetry failed
                installHooks(options, inst);
            }
        } catch (RuntimeException | Error e) {
            hookFailure = e;
        }
        debug("hooks installed", t2);
        Telemetry t;
        try {
            t = built.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : new IllegalStateException(e.getCause());
        }
        if (!allocatorsHooked) {
            hookAllocators(options, t.allocators());
        }
        FrameworkEvents e = new FrameworkEvents(options.verbosity(), t.sinks(), t.closeAction());
        HeapscopeDispatch.install(e);
        HeapscopeDispatch.activate(true);
        events = e;
        recording = t.recording();
        if (hookFailure != null) {
            throw new IllegalStateException("hooks not (all) installed: " + hookFailure, hookFailure);
        }
    }

    /** Weaves the hooked classes: registers the weaver, and retransforms those already loaded. */
    private static void installHooks(AgentOptions options, Instrumentation inst) {
        long t0 = System.nanoTime();
        hooksInstalled = true;
        List<MethodHook> methods = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        java.util.Set<String> selected = options.hooks();
        for (FrameworkHook h : availableHooks()) {
            if (selected.contains(h.name())) {
                methods.addAll(h.methodHooks()); // may load classes it needs retransformed
                prefixes.addAll(h.classPrefixes());
            }
        }
        if (methods.isEmpty()) {
            return; // no bytecode: no transformer
        }
        Weaver weaver = new Weaver(methods, new WeaveListener());
        inst.addTransformer(weaver, true);
        debug("weaver registered", t0);
        long t1 = System.nanoTime();
        // retransform only the loaded classes a hook may change (looking at every loaded class costs startup)
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            String name = c.getName();
            for (String p : prefixes) {
                if (name.startsWith(p) && weaver.wouldWeave(c) && inst.isModifiableClass(c)) {
                    loaded.add(c);
                    break;
                }
            }
        }
        if (loaded.isEmpty()) {
            return;
        }
        try {
            inst.retransformClasses(loaded.toArray(new Class<?>[0]));
        } catch (Exception | LinkageError e) {
            // one bad class fails the whole batch: retry one by one, so the others are hooked
            for (Class<?> c : loaded) {
                try {
                    inst.retransformClasses(c);
                } catch (Exception | LinkageError one) {
                    new WeaveListener().failed(c.getName(), one);
                }
            }
        }
        debug("retransformed " + loaded.size() + " loaded classes", t1);
    }

    /** Attaches the agent's flags and telemetry to every Heapscope allocator (the {@code heapscope} hook). */
    private static void hookAllocators(AgentOptions options, List<TelemetryProvider> telemetry) {
        allocatorsHooked = true;
        if (options.hooks().contains("heapscope")) {
            new HeapscopeAllocatorHook(options.verbosity(), telemetry).install();
        }
    }

    /**
     * The allocator's own telemetry for {@link HeapscopeAllocatorHook} (it reports through the allocator's typed
     * events); OpenTelemetry joins once {@link AgentOpenTelemetry} has decided which SDK to use.
     */
    private static List<TelemetryProvider> allocatorTelemetry(AgentOptions options) {
        List<TelemetryProvider> providers = new ArrayList<>();
        if (!options.hooks().contains("heapscope")) {
            return providers;
        }
        if (options.sinks().contains(SinkKind.JFR)) {
            providers.add(new AtFirstAttach("jfr")); // its class loads the allocator's JFR event classes
        }
        if (options.sinks().contains(SinkKind.LOG)) {
            providers.add(new LogTelemetry());
        }
        return providers;
    }

    /** The allocator's JFR telemetry, loaded when an allocator first needs it (JFR's start-up is not premain's). */
    private record AtFirstAttach(String name) implements TelemetryProvider {
        @Override
        public AutoCloseable attach(io.heapscope.allocator.HeapAllocator allocator) {
            return new JfrTelemetry().attach(allocator);
        }
    }

    /**
     * Decides the OpenTelemetry off the application's threads; then exports the framework metrics and attaches span
     * and metric telemetry to every allocator (allocator metrics always when a metrics exporter is configured, else
     * only under PROFILING).
     */
    private static void startOpenTelemetry(AgentOptions options, OtelAgentSink sink) {
        boolean allocators = options.hooks().contains("heapscope");
        boolean exportMetrics = AgentOpenTelemetry.metricsExporterConfigured();
        AgentOpenTelemetry.start(otel -> {
            FrameworkMetrics.register(otel);
            if (allocators) {
                OtelTelemetry telemetry = OtelTelemetry.using(otel).metricsAlways(exportMetrics);
                AllocatorRegistry.addListener(a -> a.replaceTelemetry(telemetry)); // in place of its own (global) otel sink
            }
        });
        AgentOpenTelemetry.whenDecided(sink::decided); // the events held meanwhile become spans
    }

    /** The hooks' span policy (the allocator's settings); a bad setting gives one line and the defaults. */
    private static SpanPolicy spanPolicy() {
        try {
            return SpanPolicy.fromSystem();
        } catch (IllegalArgumentException e) {
            System.err.println("heapscope agent: " + e.getMessage() + "; the hooks' spans use the defaults");
            return SpanPolicy.DEFAULT;
        }
    }

    /** {@code MemorySessionImpl.addCloseAction}, with jdk.internal.foreign opened to the agent for it. */
    private static java.lang.reflect.Method closeActionMethod(Instrumentation inst) {
        try {
            Module base = Object.class.getModule();
            inst.redefineModule(base, java.util.Set.of(), Map.of(),
                    Map.of("jdk.internal.foreign", java.util.Set.of(AgentInstaller.class.getModule())),
                    java.util.Set.of(), Map.of());
            return Class.forName("jdk.internal.foreign.MemorySessionImpl").getMethod("addCloseAction", Runnable.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // allocations are still reported; frees are not
        }
    }

    private static Recording startRecording(AgentOptions options) throws Exception {
        Map<String, String> settings = new HashMap<>(Configuration.getConfiguration("default").getSettings());
        try (Reader r = new InputStreamReader(AgentInstaller.class.getResourceAsStream(
                "/io/heapscope/telemetry/heapscope.jfc"), StandardCharsets.UTF_8)) {
            settings.putAll(Configuration.create(r).getSettings());
        }
        for (String name : JfrAgentSink.NAMES) {
            settings.put(name + "#enabled", "true");
            settings.put(name + "#threshold", "0 ms");
            settings.put(name + "#stackTrace", Boolean.toString(JfrAgentSink.WITH_STACKS.contains(name)));
        }
        if (!options.stacks()) {
            settings.replaceAll((k, v) -> k.startsWith("heapscope.") && k.endsWith("#stackTrace") ? "false" : v);
        }
        Path parent = options.jfrFile().toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Recording r = new Recording(settings);
        r.setName("heapscope");
        r.setToDisk(true);
        r.setDestination(options.jfrFile());
        if (options.jfrMaxSize() > 0) {
            r.setMaxSize(options.jfrMaxSize());
        }
        if (!options.jfrMaxAge().isZero()) {
            r.setMaxAge(options.jfrMaxAge());
        }
        r.setDumpOnExit(true);
        r.start();
        return r;
    }

    /** Counts transformation errors instead of printing into the application's output (printed in debug only). */
    private static final class WeaveListener implements Weaver.Listener {
        @Override
        public void hooked(String className) {
            if (Boolean.getBoolean("heapscope.agent.debug")) {
                System.err.println("heapscope agent: hooked " + className);
            }
        }

        @Override
        public void failed(String className, Throwable error) {
            if (Boolean.getBoolean("heapscope.agent.debug")) {
                System.err.println("heapscope agent: cannot transform " + className + ": " + error);
            }
        }
    }
}

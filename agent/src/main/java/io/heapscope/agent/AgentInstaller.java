package io.heapscope.agent;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import io.heapscope.agent.hooks.DirectBufferHook;
import io.heapscope.agent.hooks.FfmArenaHook;
import io.heapscope.agent.hooks.NettyHook;
import io.heapscope.agent.hooks.UnsafeHook;
import io.heapscope.agent.hooks.FrameworkHook;
import io.heapscope.agent.hooks.HeapscopeAllocatorHook;
import io.heapscope.allocator.SeedLogSink;
import io.heapscope.telemetry.MemoryEventRouter;
import io.heapscope.telemetry.MemoryEventSink;
import io.heapscope.telemetry.SinkKind;
import io.heapscope.telemetry.jfr.JfrMemoryEventSink;
import io.heapscope.telemetry.jfr.JfrPoolStatistics;
import io.heapscope.telemetry.otel.OtelSpanSink;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.instrument.Instrumentation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

/** Builds the agent's telemetry and installs the selected hooks. A second attach only updates the verbosity. */
final class AgentInstaller {
    private static MemoryEventRouter router;
    static final AtomicLong TRANSFORM_ERRORS = new AtomicLong();

    private AgentInstaller() {
    }

    /** Set once the bytecode hooks are in; they go in only when some flag is on (SILENT then costs nothing). */
    private static boolean hooksInstalled;
    private static List<FrameworkHook> pendingHooks = List.of();

    static synchronized void install(String args, Instrumentation inst) throws Exception {
        AgentOptions options = AgentOptions.parse(args);
        if (router != null) {
            router.setVerbosity(options.verbosity()); // attached before: no second set of hooks
            HeapscopeDispatch.activate(options.verbosity() != 0);
            if (options.verbosity() != 0 && !hooksInstalled) {
                installHooks(pendingHooks, inst);
            }
            return;
        }
        router = new MemoryEventRouter(options.verbosity());
        List<MemoryEventSink> sinks = sinks(options);
        sinks.forEach(router::addSink);
        if (options.jfrFile() != null) {
            startRecording(options);
        }
        HeapscopeDispatch.install(new FrameworkEvents(router,
                options.hooks().contains("ffm") ? closeActionMethod(inst) : null));
        HeapscopeDispatch.activate(options.verbosity() != 0);

        List<FrameworkHook> hooks = new ArrayList<>();
        if (options.hooks().contains("direct")) {
            hooks.add(new DirectBufferHook());
        }
        if (options.hooks().contains("unsafe")) {
            hooks.add(new UnsafeHook());
        }
        if (options.hooks().contains("ffm")) {
            hooks.add(new FfmArenaHook());
        }
        if (options.hooks().contains("netty")) {
            hooks.add(new NettyHook());
        }
        if (options.hooks().contains("heapscope")) {
            hooks.add(new HeapscopeAllocatorHook(options.verbosity(), sinks));
        }
        pendingHooks = hooks;
        if (options.verbosity() != 0) {
            installHooks(hooks, inst);
        }
    }

    /**
     * Transforms the hooked classes. Deferred while every flag is off, so an agent attached SILENT changes no
     * bytecode at all; a later attach that sets flags installs the hooks then (retransforming loaded classes).
     */
    private static void installHooks(List<FrameworkHook> hooks, Instrumentation inst) {
        hooksInstalled = true;
        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                .with(new ErrorCounter())
                .ignore(nameStartsWith("net.bytebuddy.").or(nameStartsWith("io.heapscope.")));
        for (FrameworkHook h : hooks) {
            builder = h.install(builder);
        }
        builder.installOn(inst);
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
            return null; // allocations are still reported; releases are not
        }
    }

    private static List<MemoryEventSink> sinks(AgentOptions options) {
        List<MemoryEventSink> sinks = new ArrayList<>();
        if (options.sinks().contains(SinkKind.JFR)) {
            sinks.add(new JfrMemoryEventSink());
            JfrPoolStatistics.register();
        }
        if (options.sinks().contains(SinkKind.OTEL)) {
            sinks.add(new OtelSpanSink(openTelemetry()));
        }
        if (options.sinks().contains(SinkKind.LOG)) {
            sinks.add(new SeedLogSink());
        }
        return sinks;
    }

    /**
     * The application's OpenTelemetry if it set one (e.g. the OpenTelemetry Java agent did), else an SDK from the
     * standard autoconfiguration, so otel.* / OTEL_* settings apply; exporters default to none here, so nothing
     * is sent anywhere unless configured.
     */
    private static OpenTelemetry openTelemetry() {
        if (GlobalOpenTelemetry.isSet()) {
            return GlobalOpenTelemetry.get();
        }
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.traces.exporter", "none");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        defaults.put("otel.service.name", "heapscope-agent");
        return AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults)
                .build()
                .getOpenTelemetrySdk();
    }

    private static void startRecording(AgentOptions options) throws Exception {
        Map<String, String> settings = new HashMap<>(Configuration.getConfiguration("default").getSettings());
        try (Reader r = new InputStreamReader(AgentInstaller.class.getResourceAsStream(
                "/io/heapscope/telemetry/heapscope.jfc"), StandardCharsets.UTF_8)) {
            settings.putAll(Configuration.create(r).getSettings());
        }
        if (!options.stacks()) {
            settings.replaceAll((k, v) -> k.startsWith("heapscope.") && k.endsWith("#stackTrace") ? "false" : v);
        }
        java.nio.file.Path parent = options.jfrFile().toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        Recording recording = new Recording(settings);
        recording.setName("heapscope");
        recording.setToDisk(true);
        recording.setDestination(options.jfrFile());
        recording.setDumpOnExit(true);
        recording.start();
    }

    /** Counts transformation errors instead of printing into the application's output. */
    private static final class ErrorCounter extends AgentBuilder.Listener.Adapter {
        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable t) {
            TRANSFORM_ERRORS.incrementAndGet();
            if (Boolean.getBoolean("heapscope.agent.debug")) {
                System.err.println("heapscope agent: cannot transform " + typeName + ": " + t);
            }
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                                     DynamicType dynamicType) {
            if (Boolean.getBoolean("heapscope.agent.debug")) {
                System.err.println("heapscope agent: hooked " + type.getName());
            }
        }
    }
}

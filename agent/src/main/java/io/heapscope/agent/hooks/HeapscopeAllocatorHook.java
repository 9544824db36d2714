package io.heapscope.agent.hooks;

import io.heapscope.allocator.AllocatorRegistry;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.event.TelemetryProvider;
import io.heapscope.agent.weave.MethodHook;

import java.util.List;

/**
 * The Heapscope allocator reports through its own typed events: for every live and future allocator, the agent adds
 * its verbosity flags and attaches each of its telemetry providers (JFR, log; OpenTelemetry once decided) that the
 * allocator does not already have. No bytecode.
 */
public final class HeapscopeAllocatorHook implements FrameworkHook {
    private final int verbosity;
    private final List<TelemetryProvider> telemetry;

    public HeapscopeAllocatorHook(int verbosity, List<TelemetryProvider> telemetry) {
        this.verbosity = verbosity;
        this.telemetry = List.copyOf(telemetry);
    }

    @Override
    public String name() {
        return "heapscope";
    }

    @Override
    public List<String> classPrefixes() {
        return List.of(); // no bytecode
    }

    @Override
    public List<MethodHook> methodHooks() {
        return List.of(); // no bytecode
    }

    /** Attaches the agent's flags and telemetry to every live and future allocator. */
    public void install() {
        AllocatorRegistry.addListener(this::attach);
    }

    private void attach(HeapAllocator a) {
        a.setDebugVerbosity(a.getDebugVerbosity() | verbosity);
        for (TelemetryProvider p : telemetry) {
            a.attachTelemetry(p); // a provider of a name the allocator already has is skipped
        }
    }
}

package io.heapscope.agent.hooks;

import io.heapscope.allocator.AllocatorRegistry;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.telemetry.MemoryEventSink;
import net.bytebuddy.agent.builder.AgentBuilder;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Heapscope allocator reports through its own telemetry: for every live and future allocator, the agent sets its
 * verbosity and adds each agent sink of a type the allocator does not already feed. No bytecode.
 */
public final class HeapscopeAllocatorHook implements FrameworkHook {
    private final int verbosity;
    private final List<MemoryEventSink> sinks;
    private Consumer<HeapAllocator> listener;

    public HeapscopeAllocatorHook(int verbosity, List<MemoryEventSink> sinks) {
        this.verbosity = verbosity;
        this.sinks = List.copyOf(sinks);
    }

    @Override
    public String name() {
        return "heapscope";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of(); // no bytecode
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        listener = this::attach;
        AllocatorRegistry.addListener(listener);
        return builder;
    }

    private void attach(HeapAllocator a) {
        a.setDebugVerbosity(a.getDebugVerbosity() | verbosity);
        List<MemoryEventSink> present = Arrays.asList(a.events().sinks());
        for (MemoryEventSink s : sinks) {
            boolean already = present.stream().anyMatch(p -> p.getClass() == s.getClass());
            if (!already) {
                a.events().addSink(s);
            }
        }
    }
}

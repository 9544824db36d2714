package io.heapscope.agent.hooks;

import net.bytebuddy.agent.builder.AgentBuilder;

/** One framework the agent can hook; each can be switched off with the {@code hooks} option. */
public interface FrameworkHook {
    /** The name used in the {@code hooks} option. */
    String name();

    /** Adds this hook's transformations, or returns the builder unchanged if it needs no bytecode. */
    AgentBuilder install(AgentBuilder builder);
}

package io.heapscope.bench.jmh.agent;

import org.openjdk.jmh.annotations.Fork;

/** {@link AgentOverhead} without the agent. */
@Fork(value = 1, jvmArgsAppend = {"-XX:MaxDirectMemorySize=1g"})
public class NoAgent extends AgentOverhead {
}

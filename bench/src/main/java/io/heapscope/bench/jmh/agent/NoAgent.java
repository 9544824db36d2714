package io.heapscope.bench.jmh.agent;

import org.openjdk.jmh.annotations.Fork;

/** {@link AgentOverhead} without the agent. */
@Fork(value = 1, jvmArgsAppend = {"-XX:MaxDirectMemorySize=1g", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"})
public class NoAgent extends AgentOverhead {
}

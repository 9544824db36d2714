package io.heapscope.bench.jmh.agent;

import org.openjdk.jmh.annotations.Fork;

/** {@link AgentOverhead} with the agent, default flags, JFR sink and a recording. */
@Fork(value = 1, jvmArgsAppend = {"-XX:MaxDirectMemorySize=1g", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "-javaagent:agent/target/heapscope-agent.jar=sinks=jfr,jfr.file=bench/target/agent-bench.jfr"})
public class AgentJfr extends AgentOverhead {
}

package io.heapscope.bench.jmh.agent;

import org.openjdk.jmh.annotations.Fork;

/** {@link AgentOverhead} with the agent, default flags, JFR and OTel sinks and a recording. */
@Fork(value = 1, jvmArgsAppend = {"-XX:MaxDirectMemorySize=1g", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "-javaagent:agent/target/heapscope-agent.jar=sinks=jfr+otel,jfr.file=bench/target/agent-bench-otel.jfr"})
public class AgentJfrOtel extends AgentOverhead {
}

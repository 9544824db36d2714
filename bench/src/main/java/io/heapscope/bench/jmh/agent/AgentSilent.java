package io.heapscope.bench.jmh.agent;

import org.openjdk.jmh.annotations.Fork;

/** {@link AgentOverhead} with the agent, flags 0 (SILENT), JFR sink. */
@Fork(value = 1, jvmArgsAppend = {"-XX:MaxDirectMemorySize=1g", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "-javaagent:agent/target/heapscope-agent.jar=verbosity=0,sinks=jfr"})
public class AgentSilent extends AgentOverhead {
}

package io.heapscope.agent;

import io.heapscope.telemetry.SinkKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentOptionsTest {
    @Test
    void argumentsWinOverPropertiesOverEnvironment() {
        Properties p = new Properties();
        p.setProperty("heapscope.verbosity", "RECYCLES");
        p.setProperty("heapscope.sinks", "log");
        Map<String, String> env = Map.of("HEAPSCOPE_VERBOSITY", "1", "HEAPSCOPE_HOOKS", "unsafe", "HEAPSCOPE_JFR_FILE", "/tmp/x.jfr");
        AgentOptions o = AgentOptions.parse("verbosity=ALLOCATIONS|RELEASES,stacks=false", p, env);
        assertEquals(10, o.verbosity());
        assertEquals(Set.of(SinkKind.LOG), o.sinks());
        assertEquals(Set.of("unsafe"), o.hooks());
        assertEquals(Path.of("/tmp/x.jfr"), o.jfrFile());
        assertEquals(false, o.stacks());
    }

    @Test
    void defaults() {
        AgentOptions o = AgentOptions.parse("", new Properties(), Map.of());
        assertEquals(14, o.verbosity());
        assertEquals(Set.of("direct", "unsafe", "ffm", "mapped", "netty", "javacpp", "lwjgl", "heapscope"), o.hooks(),
                "every hook the ServiceLoader finds, and the allocator's");
        assertEquals(Set.of(SinkKind.JFR, SinkKind.OTEL), o.sinks());
    }

    @Test
    void verbosityListsUsePlusInsideAgentArguments() {
        assertEquals(10, AgentOptions.parse("verbosity=ALLOCATIONS+RELEASES", new Properties(), Map.of()).verbosity());
        assertEquals(10, AgentOptions.parse("verbosity=ALLOCATIONS|RELEASES", new Properties(), Map.of()).verbosity());
        assertEquals(5, AgentOptions.parse("verbosity=+5", new Properties(), Map.of()).verbosity());
    }

    @Test
    void badOptionsNameTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("colour=red", new Properties(), Map.of()))
                .getMessage().contains("colour"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("hooks=netty5", new Properties(), Map.of()))
                .getMessage().contains("netty5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("stacks=maybe", new Properties(), Map.of()))
                .getMessage().contains("maybe"));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("novalue", new Properties(), Map.of()));
    }

    @Test
    void theAgentsRecordingIsBoundedByDefaultAndTheBoundsAreSettable() {
        AgentOptions d = AgentOptions.parse("", new Properties(), Map.of());
        assertEquals(512L << 20, d.jfrMaxSize());
        assertEquals(java.time.Duration.ofHours(6), d.jfrMaxAge());
        AgentOptions o = AgentOptions.parse("jfr.maxsize=2g,jfr.maxage=30m", new Properties(), Map.of());
        assertEquals(2L << 30, o.jfrMaxSize());
        assertEquals(java.time.Duration.ofMinutes(30), o.jfrMaxAge());
        Properties p = new Properties();
        p.setProperty("heapscope.jfr.maxage", "0");
        assertEquals(java.time.Duration.ZERO, AgentOptions.parse("", p, Map.of()).jfrMaxAge(), "0 = unbounded");
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("jfr.maxsize=lots", new Properties(), Map.of())).getMessage().contains("lots"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> AgentOptions.parse("jfr.maxage=6x", new Properties(), Map.of())).getMessage().contains("6x"));
    }
}

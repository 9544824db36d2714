package io.heapscope.jmc.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jars: {@code java -jar heapscope-jmc-rules.jar} in a child JVM (only the shaded jar on its class path),
 * and the dropin jar's OSGi headers and extension for the JMC desktop app.
 */
class CommandLineJarIT {
    @TempDir
    Path dir;

    private static Path jar(String property) {
        Path p = Path.of(System.getProperty(property, "missing"));
        assertTrue(Files.isRegularFile(p), property + " = " + p);
        return p;
    }

    private record Run(int status, String output) {
    }

    private static Run java(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM timed out");
        return new Run(p.exitValue(), out);
    }

    @Test
    void shadedJarPrintsTheRulesResultsAndWritesTheHtmlReport() throws Exception {
        Path recording = RuleReports.record(dir.resolve("gc-churn.jfr"), Workloads::gcChurn);
        Path html = dir.resolve("report.html");
        Run r = java(dir, "-jar", jar("heapscope.jmc.rules.jar").toString(), "--html", html.toString(),
                recording.toString());
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().lines().anyMatch(l -> l.startsWith("WARNING") && l.contains("(HeapscopeGcChurn)")
                && l.contains("PRIVATE_LARGE: 10 cached buffers (160 MiB)")), r.output());
        for (String id : HeapscopeRulesTest.IDS) {
            assertTrue(r.output().contains("(" + id + ")"), id + " printed:\n" + r.output());
        }
        assertTrue(Files.readString(html).contains("Off-heap garbage-collection churn"));
    }

    @Test
    void theAgentsReportRulesCommandRunsTheRulesFromTheJarBesideIt() throws Exception {
        Path agent = Path.of("..", "agent", "target", "heapscope-agent.jar").toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(agent),
                "the agent jar is built earlier in the same reactor: " + agent);
        Path recording = RuleReports.record(dir.resolve("gc-churn.jfr"), Workloads::gcChurn);
        Run r = java(dir, "-jar", agent.toString(), "report", "--rules", recording.toString());
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().lines().anyMatch(l -> l.startsWith("WARNING") && l.contains("(HeapscopeGcChurn)")),
                r.output());
    }

    @Test
    void dropinJarIsAnOsgiBundleContributingToJmcsRuleProvider() throws Exception {
        try (JarFile jar = new JarFile(jar("heapscope.jmc.dropin.jar").toFile())) {
            Manifest m = jar.getManifest();
            assertEquals("io.heapscope.jmc.rules;singleton:=true",
                    m.getMainAttributes().getValue("Bundle-SymbolicName"));
            assertTrue(m.getMainAttributes().getValue("Require-Bundle").contains("org.openjdk.jmc.flightrecorder.rules"));
            String pluginXml = new String(jar.getInputStream(jar.getEntry("plugin.xml")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertTrue(pluginXml.contains("org.openjdk.jmc.flightrecorder.rules.ruleProvider"), pluginXml);
            String services = new String(jar.getInputStream(
                    jar.getEntry("META-INF/services/org.openjdk.jmc.flightrecorder.rules.IRule")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertEquals(HeapscopeRulesTest.IDS.size(), services.lines().filter(l -> !l.isBlank()).count());
            assertTrue(jar.getEntry("org/openjdk/jmc/flightrecorder/rules/IRule.class") == null,
                    "the dropin must not carry JMC's own classes");
        }
    }
}

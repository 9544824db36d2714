package io.heapscope.bench.dashboards;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code dashboards/test/run.sh} (real Prometheus scraping {@link DashboardWorkload}, every panel query through
 * Prometheus' HTTP API, tsc against {@code @grafana/schema}, units) with this JVM's test class path, so no Maven
 * build is nested. Opt-in, since it installs Prometheus if missing (root + apt) and needs Node.js and the npm
 * registry on first use: {@code -Dheapscope.dashboards=true} or {@code HEAPSCOPE_DASHBOARDS=1}, e.g.
 * {@code scripts/test.sh -pl allocator,native,bench -Dheapscope.dashboards=true -Dtest=DashboardsTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DashboardsTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyPanelQueryAnswersFromARealPrometheusAndTheDashboardsTypeCheck() throws IOException, InterruptedException {
        assumeTrue(Boolean.getBoolean("heapscope.dashboards") || "1".equals(System.getenv("HEAPSCOPE_DASHBOARDS")),
                "dashboards test is opt-in: -Dheapscope.dashboards=true or HEAPSCOPE_DASHBOARDS=1");
        Path script = Path.of("..", "dashboards", "test", "run.sh").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(script), script + " exists");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = Files.createTempFile("heapscope-dashboards", ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("HEAPSCOPE_DASH_CP", classPath);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        int rc;
        try {
            rc = p.waitFor();
        } finally {
            p.destroy();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, rc, "dashboards/test/run.sh failed:\n" + out);
        assertTrue(out.contains(" 0 without data or failing"), out);
    }
}

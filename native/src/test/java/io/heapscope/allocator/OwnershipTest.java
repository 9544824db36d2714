package io.heapscope.allocator;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CPU views live exactly as long as the handle owns the buffer. Each misuse runs in a child JVM
 * ({@link StaleViewProgram}), so a crash (the SIGSEGV these cases caused before ownership scopes) fails the test
 * instead of killing the test JVM.
 */
class OwnershipTest {
    private static final List<String> CASES = List.of("freed-then-emptyCache", "sharedBufferPtr-then-emptyCache",
            "cached-at-close", "contents-after-free", "recycled-to-another-owner", "pending-free");

    /**
     * The JVM's class path and where the program's classes really came from: under a launcher that loads tests from
     * its own class path option (the JUnit console launcher on the device machine), java.class.path lacks them.
     */
    static String classPath() {
        java.util.LinkedHashSet<String> parts = new java.util.LinkedHashSet<>(
                List.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)));
        for (Class<?> c : List.of(StaleViewProgram.class, HeapAllocator.class,
                io.heapscope.backend.host.HostDevice.class)) {
            try {
                parts.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader u) {
            for (java.net.URL url : u.getURLs()) {
                parts.add(url.getPath());
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    @ParameterizedTest
    @MethodSource("io.heapscope.allocator.TestDevices#backends")
    void staleViewsFailCleanlyAndNeverReachAnotherOwner(TestDevices.Backend backend) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        // the backends' settings (e.g. the simulated Metal runtime's path) travel to the child
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("heapscope."))
                .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
        command.addAll(List.of("-cp", classPath(), StaleViewProgram.class.getName(), backend.name()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "child exit (134/139 = crashed):\n" + out);
        for (String c : CASES) {
            assertTrue(out.contains("CASE " + c + " ok"), c + ":\n" + out);
        }
        assertTrue(out.contains("ALL ok"), out);
    }

}

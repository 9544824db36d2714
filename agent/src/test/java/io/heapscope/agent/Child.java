package io.heapscope.agent;

import io.heapscope.agent.events.JfrAgentSink;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starts real child JVMs (with the shaded agent jar) and reads their recordings back. */
final class Child {
    static final String AGENT = System.getProperty("heapscope.agent.jar", "target/heapscope-agent.jar");
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final String TEST_CLASSES = Path.of("target", "test-classes").toAbsolutePath().toString();
    /** Jars of this test's class path whose path contains one of the given words. */
    static String jars(String... words) {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> Arrays.stream(words).anyMatch(p::contains)).collect(Collectors.joining(File.pathSeparator));
    }

    /** Netty 4.2 (the test class path) or 4.1 (copied by the build into target/netty-4.1). */
    static String netty(String version) {
        if (version.equals("4.2")) {
            return jars("netty");
        }
        File[] files = new File(System.getProperty("heapscope.netty41", "target/netty-4.1")).listFiles();
        assertTrue(files != null && files.length > 0, "the build copies Netty 4.1 into target/netty-4.1");
        return Arrays.stream(files).map(File::getAbsolutePath).collect(Collectors.joining(File.pathSeparator));
    }

    record Run(int exit, String out) {
        String line(String prefix) {
            return out.lines().filter(l -> l.startsWith(prefix + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in: " + out)).substring(prefix.length() + 1);
        }
    }

    private Child() {
    }

    static Run run(List<String> jvmArgs, String classPath, String main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-XX:MaxDirectMemorySize=64m", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", TEST_CLASSES + File.pathSeparator + AGENT
                + (classPath.isEmpty() ? "" : File.pathSeparator + classPath), main));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        return new Run(p.exitValue(), new String(out));
    }

    static List<RecordedEvent> events(Path jfr, String type) throws Exception {
        return RecordingFile.readAllEvents(jfr).stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }

    static List<RecordedEvent> allocations(Path jfr, String framework) throws Exception {
        return of(events(jfr, JfrAgentSink.ALLOCATION), framework);
    }

    static List<RecordedEvent> frees(Path jfr, String framework) throws Exception {
        return of(events(jfr, JfrAgentSink.FREE), framework);
    }

    static List<RecordedEvent> of(List<RecordedEvent> events, String framework) {
        return events.stream().filter(e -> e.getString("framework").equals(framework)).toList();
    }

    static long bytes(List<RecordedEvent> events) {
        return events.stream().mapToLong(e -> e.getLong("size")).sum();
    }
}

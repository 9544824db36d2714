package io.heapscope.telemetry;

import jdk.jfr.EventType;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The verbosity flags are the user's switch: a recording the user starts in the usual ways, with the JDK's own
 * settings and no Heapscope .jfc, records the kinds the flags ask for, with every Heapscope type in the metadata and
 * stacks that start in the application.
 */
class UserRecordingTest {
    private static final Set<String> ALL_TYPES = Set.of("heapscope.BufferAllocated", "heapscope.BufferRecycled",
            "heapscope.BufferFreed", "heapscope.BufferReleased", "heapscope.HeapAllocated", "heapscope.HeapReleased",
            "heapscope.GarbageCollection", "heapscope.AllocationFailed", "heapscope.MemoryPressure",
            "heapscope.PoolStatistics");

    @TempDir
    Path dir;

    private Process start(String flags, List<String> jvmOptions) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), UserRecordingProgram.class.getName(),
                dir.resolve("ready").toString(), dir.resolve("go").toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile());
        pb.environment().put("HEAPSCOPE_DEBUG_ALLOCATOR", flags);
        pb.environment().remove("HEAPSCOPE_SINKS");
        return pb.start();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(dir.resolve("ready"))) {
            assertTrue(System.nanoTime() < deadline, "child started");
            Thread.sleep(20);
        }
    }

    private void finish(Process p) throws Exception {
        Files.writeString(dir.resolve("go"), "go");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("child.log")));
    }

    private static void assertRecorded(Path file, Set<String> expectedKinds) throws IOException {
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("heapscope.")).toList();
        Set<String> kinds = events.stream().map(e -> e.getEventType().getName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expectedKinds, kinds, "kinds the flags asked for");
        Set<String> metadata = new TreeSet<>();
        try (RecordingFile rf = new RecordingFile(file)) {
            for (EventType t : rf.readEventTypes()) {
                if (t.getName().startsWith("heapscope.")) {
                    metadata.add(t.getName());
                }
            }
        }
        assertTrue(metadata.containsAll(ALL_TYPES), "every type in the metadata, fired or not: " + metadata);
        RecordedEvent allocated = events.stream().filter(e -> e.getEventType().getName()
                .equals("heapscope.BufferAllocated")).findFirst().orElseThrow();
        RecordedFrame top = allocated.getStackTrace().getFrames().getFirst();
        assertEquals(Workload.class.getName(), top.getMethod().getType().getName(), "first frame: " + top);
    }

    @Test
    void startFlightRecordingWithTheProfileSettings() throws Exception {
        Path file = dir.resolve("profile.jfr");
        Process p = start("ALLOCATIONS|RELEASES", List.of("-XX:StartFlightRecording=settings=profile,filename="
                + file));
        awaitReady();
        finish(p);
        assertRecorded(file, Set.of("heapscope.BufferAllocated", "heapscope.BufferFreed", "heapscope.BufferReleased",
                "heapscope.HeapAllocated", "heapscope.HeapReleased"));
    }

    @Test
    void jcmdJfrStartOnARunningProcess() throws Exception {
        Path file = dir.resolve("jcmd.jfr");
        Process p = start("ALLOCATIONS|RECYCLES|RELEASES", List.of());
        awaitReady();
        String pid = Files.readString(dir.resolve("ready")).strip();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        String said = "";
        boolean started = false;
        // the attach can time out on a loaded machine before the target's attach listener answers: try again
        for (int attempt = 0; attempt < 3 && !started; attempt++) {
            Process start = new ProcessBuilder(jcmd, pid, "JFR.start", "name=user", "filename=" + file)
                    .redirectErrorStream(true).start();
            said = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            started = start.waitFor(60, TimeUnit.SECONDS) && start.exitValue() == 0;
        }
        assertTrue(started, said);
        finish(p); // a recording started with a filename is dumped when the JVM exits
        assertTrue(Files.exists(file), "recording dumped at exit: " + said);
        assertRecorded(file, Set.of("heapscope.BufferAllocated", "heapscope.BufferRecycled", "heapscope.BufferFreed",
                "heapscope.BufferReleased", "heapscope.HeapAllocated", "heapscope.HeapReleased"));
    }

    @Test
    void silentRecordsNothingAndRegistersNothing() throws Exception {
        Path file = dir.resolve("silent.jfr");
        Process p = start("0", List.of("-XX:StartFlightRecording=settings=profile,filename=" + file));
        awaitReady();
        finish(p);
        long heapscope = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("heapscope.")).count();
        assertEquals(0, heapscope, "SILENT: no Heapscope event");
    }
}

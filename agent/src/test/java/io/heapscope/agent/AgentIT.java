package io.heapscope.agent;

import io.heapscope.agent.events.JfrAgentSink;
import io.heapscope.agent.report.RecordingReport;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.heapscope.agent.Child.AGENT;
import static io.heapscope.agent.Child.JAVA;
import static io.heapscope.agent.Child.TEST_CLASSES;
import static io.heapscope.agent.Child.allocations;
import static io.heapscope.agent.Child.bytes;
import static io.heapscope.agent.Child.events;
import static io.heapscope.agent.Child.frees;
import static io.heapscope.agent.Child.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real child JVMs started with -javaagent (or attached to), their JFR recordings read back. */
class AgentIT {
    @TempDir
    Path dir;

    private static List<RecordedEvent> ours(List<RecordedEvent> events) {
        return events.stream().filter(e -> e.getLong("size") >= DirectBufferWorkload.BASE
                && e.getLong("size") < DirectBufferWorkload.BASE + DirectBufferWorkload.COUNT).toList();
    }

    @Test
    void directBufferAllocationsAndFreesAreRecordedExactly() throws Exception {
        Path jfr = dir.resolve("direct.jfr");
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=hooks=direct,sinks=jfr,jfr.file=" + jfr), "",
                DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("done "), r.out());
        assertFalse(r.out().contains("WARNING"), "no warnings printed into the application's output: " + r.out());
        List<RecordedEvent> alloc = ours(allocations(jfr, "jdk.direct"));
        List<RecordedEvent> freed = ours(frees(jfr, "jdk.direct"));
        assertEquals(DirectBufferWorkload.COUNT, alloc.size());
        long expectedBytes = 0;
        for (int i = 0; i < DirectBufferWorkload.COUNT; i++) {
            expectedBytes += DirectBufferWorkload.BASE + i;
        }
        assertEquals(expectedBytes, bytes(alloc));
        assertTrue(alloc.stream().allMatch(e -> e.getLong("address") != 0));
        for (RecordedEvent e : alloc) {
            var frames = e.getStackTrace().getFrames();
            assertEquals("java.nio.DirectByteBuffer", frames.get(0).getMethod().getType().getName(),
                    "the first frame is the hooked JDK method, no agent frame above it: " + frames.get(0).getMethod());
            assertTrue(frames.stream().noneMatch(f -> f.getMethod().getType().getName().startsWith("io.heapscope.agent.")
                    && !f.getMethod().getType().getName().equals(DirectBufferWorkload.class.getName())), "no agent frames");
            assertTrue(frames.stream().anyMatch(f -> f.getMethod().getType().getName().equals(DirectBufferWorkload.class.getName())),
                    "allocation stacks lead to the workload");
        }
        assertEquals(DirectBufferWorkload.COUNT, freed.size(), "cleaners ran for every buffer");
        assertEquals(expectedBytes, bytes(freed));
        assertTrue(RecordingReport.read(jfr).toText().contains("jdk.direct"));
    }

    @Test
    void theHeapscopeAllocatorReportsThroughTheAgent() throws Exception {
        Path jfr = dir.resolve("alloc.jfr");
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=hooks=heapscope,sinks=jfr,jfr.file=" + jfr), "",
                AllocatorWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        String[] stats = r.line("stats").split(" ");
        assertEquals(Long.parseLong(stats[0]), events(jfr, "heapscope.BufferAllocated").size());
        assertEquals(Long.parseLong(stats[1]), events(jfr, "heapscope.BufferRecycled").size());
        assertEquals(Long.parseLong(stats[2]), events(jfr, "heapscope.BufferFreed").size());
        assertEquals(Long.parseLong(stats[3]), events(jfr, "heapscope.BufferReleased").size());
        assertEquals(Long.parseLong(stats[4]), events(jfr, "heapscope.HeapAllocated").size());
        assertEquals(Long.parseLong(stats[5]), events(jfr, "heapscope.HeapReleased").size());
        assertTrue(events(jfr, "heapscope.BufferAllocated").stream()
                .allMatch(e -> e.getLong("allocatorId") > 0 && e.getString("allocatorName").startsWith("heapscope-")),
                "allocator events name their allocator");
    }

    @Test
    void unsafeAndFfmAllocationsAreCountedOnceEach() throws Exception {
        Path jfr = dir.resolve("native.jfr");
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=sinks=jfr,jfr.file=" + jfr), "", NativeWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        long n = NativeWorkload.N;
        long unsafeBytes = 0;
        for (int i = 0; i < n; i++) {
            unsafeBytes += NativeWorkload.UNSAFE_BASE + i;
        }
        assertEquals(n + 1, allocations(jfr, "unsafe").size(), "three blocks and one reallocation");
        assertEquals(unsafeBytes + NativeWorkload.REALLOC_TO, bytes(allocations(jfr, "unsafe")));
        assertEquals(n + 1, frees(jfr, "unsafe").size(), "the reallocated-away block and three frees");
        assertEquals(unsafeBytes + NativeWorkload.REALLOC_TO, bytes(frees(jfr, "unsafe")), "freed sizes from the live map");
        long ffmBytes = 0;
        for (int i = 0; i < n; i++) {
            ffmBytes += NativeWorkload.FFM_BASE + i;
        }
        assertEquals(n + 1, allocations(jfr, "ffm").size(), "three in the confined arena, one in the global arena");
        assertEquals(ffmBytes + 4096, bytes(allocations(jfr, "ffm")));
        assertEquals(n, frees(jfr, "ffm").size(), "freed when the arena closed; the global arena never closes");
        assertEquals(ffmBytes, bytes(frees(jfr, "ffm")));
        assertEquals(1, allocations(jfr, "jdk.direct").stream().filter(e -> e.getLong("size") == 33_333).count(),
                "direct buffer counted once, as jdk.direct");
        assertEquals(0, allocations(jfr, "unsafe").stream()
                .filter(e -> e.getLong("size") == 33_333 || e.getLong("size") == NativeWorkload.FFM_BASE).count(),
                "JDK-internal Unsafe use is not counted as unsafe");
    }

    @Test
    void openTelemetrySpansReachAnAutoconfiguredExporter() throws Exception {
        Child.Run r = run(List.of("-Dotel.traces.exporter=logging", "-Dheapscope.otel.spans=all",
                "-javaagent:" + AGENT + "=hooks=direct,sinks=otel"), "",
                DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        java.util.function.BiFunction<String, String, Long> spans = (name, out) -> out.lines()
                .filter(l -> l.contains("'" + name + "'") && l.contains("heapscope.framework=jdk.direct"))
                .filter(l -> {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("heapscope.size=(\\d+)").matcher(l);
                    if (!m.find()) {
                        return false;
                    }
                    long size = Long.parseLong(m.group(1));
                    return size >= DirectBufferWorkload.BASE && size < DirectBufferWorkload.BASE + DirectBufferWorkload.COUNT;
                }).count();
        assertEquals(DirectBufferWorkload.COUNT, spans.apply("heapscope.offheap.allocation", r.out()), r.out());
        assertEquals(DirectBufferWorkload.COUNT, spans.apply("heapscope.offheap.free", r.out()), r.out());
        // the default span policy (the allocator's): no one-span root traces for events outside a trace
        Child.Run plain = run(List.of("-Dotel.traces.exporter=logging",
                "-javaagent:" + AGENT + "=hooks=direct,sinks=otel"), "", DirectBufferWorkload.class.getName());
        assertEquals(0, plain.exit(), plain.out());
        assertEquals(0, spans.apply("heapscope.offheap.allocation", plain.out()), plain.out());
    }

    /**
     * Without {@code jfr.file} the agent does not start JFR: its event types are made when JFR initializes, which
     * a recording the application starts later (or one from the command line) does first; its events are all there.
     */
    @Test
    void recordingsTheAgentDidNotStartGetItsEvents() throws Exception {
        Path late = dir.resolve("late.jfr");
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=hooks=direct,sinks=jfr"), "",
                LateRecordingWorkload.class.getName(), late.toString());
        assertEquals(0, r.exit(), r.out());
        List<RecordedEvent> alloc = allocations(late, "jdk.direct");
        assertEquals(DirectBufferWorkload.COUNT, ours(alloc).size(), "every allocation while recording");
        assertTrue(alloc.stream().noneMatch(e -> e.getLong("size") >= LateRecordingWorkload.EARLY_BASE
                && e.getLong("size") < LateRecordingWorkload.EARLY_BASE + LateRecordingWorkload.EARLY),
                "none from before the recording existed");

        Path startup = dir.resolve("startup.jfr");
        Child.Run s = run(List.of("-XX:StartFlightRecording:filename=" + startup,
                "-javaagent:" + AGENT + "=hooks=direct,sinks=jfr"), "", DirectBufferWorkload.class.getName());
        assertEquals(0, s.exit(), s.out());
        assertEquals(DirectBufferWorkload.COUNT, ours(allocations(startup, "jdk.direct")).size());
        assertEquals(DirectBufferWorkload.COUNT, ours(frees(startup, "jdk.direct")).size());
    }

    @Test
    void flagsOffMeansNoBytecodeNoRecordingNoEvents() throws Exception {
        Path jfr = dir.resolve("silent.jfr");
        Child.Run r = run(List.of("-Dheapscope.agent.debug=true", "-verbose:class",
                        "-javaagent:" + AGENT + "=verbosity=0,sinks=jfr,jfr.file=" + jfr), "",
                DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        assertFalse(r.out().contains("hooked "), "no class transformed: " + r.out());
        assertFalse(Files.exists(jfr), "no recording started while every flag is off");
        assertFalse(r.out().contains("io.heapscope.agent.weave."), "the weaver is not even loaded");
        assertFalse(r.out().contains("io.heapscope.agent.AgentInstaller"), "nor the installer");
    }

    @Test
    void oddPathsKeepTheApplicationRunningWithCorrectResults() throws Exception {
        Child.Run plain = run(List.of(), "", DirectBufferWorkload.class.getName(), "odd");
        Path jfr = dir.resolve("odd.jfr");
        Child.Run agent = run(List.of("-javaagent:" + AGENT + "=sinks=jfr+otel+log,jfr.file=" + jfr), "",
                DirectBufferWorkload.class.getName(), "odd");
        assertEquals(0, agent.exit(), agent.out());
        assertEquals(plain.out().lines().filter(l -> l.startsWith("done")).toList(),
                agent.out().lines().filter(l -> l.startsWith("done")).toList(), "same result with the agent");
        assertTrue(allocations(jfr, "jdk.direct").stream().anyMatch(e -> e.getLong("size") == 0),
                "a zero-capacity direct buffer still reserves memory in the JDK and is reported");
        assertTrue(agent.out().contains("heapscope allocation framework=jdk.direct"), "the log sink prints");
    }

    @Test
    void badAgentOptionsNeverBreakTheApplication() throws Exception {
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=verbosity=LOUD"), "", DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("heapscope agent: not started"), r.out());
        assertTrue(r.out().contains("LOUD"), r.out());
        assertTrue(r.out().contains("done "), r.out());
        assertFalse(r.out().contains("\tat "), "one line, no stack trace: " + r.out());
    }

    /** Starts {@link AttachTarget} with extra JVM options; returns it once it printed "ready". */
    private Process target(List<String> jvmArgs, Path go) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(JAVA, "-XX:+EnableDynamicAgentLoading"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", TEST_CLASSES + File.pathSeparator + AGENT, AttachTarget.class.getName(), go.toString()));
        Process target = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(target.getInputStream()));
        String line = out.readLine();
        if (line != null && line.startsWith("heapscope agent: not started")) {
            line = out.readLine(); // a failed premain says so once, and the application runs on
        }
        assertEquals("ready", line);
        return target;
    }

    private static long attachTargetAllocations(Path jfr) throws Exception {
        return allocations(jfr, "jdk.direct").stream().filter(e -> e.getLong("size") == AttachTarget.SIZE).count();
    }

    @Test
    void aSilentAgentHooksNothingUntilAnAttachTurnsFlagsOn() throws Exception {
        Path jfr = dir.resolve("silent-then-on.jfr");
        Path go = dir.resolve("go2");
        Process target = target(List.of("-javaagent:" + AGENT + "=verbosity=0,hooks=direct,sinks=jfr,jfr.file=" + jfr), go);
        try {
            Child.Run attach = run(List.of(), "", Main.class.getName(), "attach", Long.toString(target.pid()),
                    "verbosity=ALLOCATIONS");
            assertEquals(0, attach.exit(), attach.out());
            assertTrue(attach.out().contains("hooks direct") && attach.out().contains(jfr.toString()),
                    "the start's options (hooks, sinks, jfr.file) hold, the attach's verbosity wins: " + attach.out());
            Files.writeString(go, "go");
            assertTrue(target.waitFor(60, TimeUnit.SECONDS));
        } finally {
            target.destroyForcibly();
        }
        assertEquals(AttachTarget.COUNT, attachTargetAllocations(jfr), "hooks installed by the attach that turned ALLOCATIONS on");
    }

    @Test
    void dynamicAttachReportsTheTargetsOutcome() throws Exception {
        Path jfr = dir.resolve("attach.jfr");
        Path go = dir.resolve("go");
        Process target = target(List.of(), go);
        try {
            Child.Run bad = run(List.of(), "", Main.class.getName(), "attach", Long.toString(target.pid()), "verbosity=LOTS");
            assertNotEquals(0, bad.exit(), "the target rejected the options: " + bad.out());
            assertTrue(bad.out().contains("LOTS"), bad.out());
            assertFalse(bad.out().contains("attached"), bad.out());
            Child.Run attach = run(List.of(), "", Main.class.getName(), "attach", Long.toString(target.pid()),
                    "hooks=direct,sinks=jfr");
            assertEquals(0, attach.exit(), "an attach after a failed one installs: " + attach.out());
            Child.Run again = run(List.of(), "", Main.class.getName(), "attach", Long.toString(target.pid()),
                    "hooks=direct,sinks=jfr,jfr.file=" + jfr);
            assertEquals(0, again.exit(), "a later attach starts the recording it names: " + again.out());
            assertTrue(again.out().contains(jfr.toString()), again.out());
            Files.writeString(go, "go");
            assertTrue(target.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, target.exitValue());
        } finally {
            target.destroyForcibly();
        }
        assertEquals(AttachTarget.COUNT, attachTargetAllocations(jfr), "events after attach, each once");
    }

    @Test
    void anAttachAfterAFailedPremainInstalls() throws Exception {
        Path jfr = dir.resolve("after-failed-premain.jfr");
        Path go = dir.resolve("go3");
        Process target = target(List.of("-javaagent:" + AGENT + "=verbosity=NOISY"), go);
        try {
            Child.Run attach = run(List.of(), "", Main.class.getName(), "attach", Long.toString(target.pid()),
                    "hooks=direct,sinks=jfr,jfr.file=" + jfr);
            assertEquals(0, attach.exit(), attach.out());
            Files.writeString(go, "go");
            assertTrue(target.waitFor(60, TimeUnit.SECONDS));
        } finally {
            target.destroyForcibly();
        }
        assertEquals(AttachTarget.COUNT, attachTargetAllocations(jfr));
    }

    @Test
    void reportOnABadFileIsOneLine() throws Exception {
        Path notJfr = dir.resolve("notes.txt");
        Files.writeString(notJfr, "not a recording");
        Child.Run r = run(List.of(), "", Main.class.getName(), "report", notJfr.toString());
        assertNotEquals(0, r.exit());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().contains(notJfr.toString()), r.out());
        Path jfr = dir.resolve("whole.jfr");
        assertEquals(0, run(List.of("-javaagent:" + AGENT + "=hooks=direct,sinks=jfr,jfr.file=" + jfr), "",
                DirectBufferWorkload.class.getName()).exit());
        byte[] whole = Files.readAllBytes(jfr);
        Path truncated = dir.resolve("truncated.jfr");
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        Child.Run t = run(List.of(), "", Main.class.getName(), "report", truncated.toString());
        assertEquals(1, t.out().strip().lines().count(), t.out());
        assertFalse(t.out().contains("\tat "), t.out());
        assertTrue(events(jfr, JfrAgentSink.ALLOCATION).size() >= DirectBufferWorkload.COUNT);
        assertTrue(RecordingFile.readAllEvents(jfr).size() > 0);
    }
}

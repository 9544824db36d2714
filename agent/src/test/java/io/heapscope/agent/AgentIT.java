package io.heapscope.agent;

import io.heapscope.agent.report.RecordingReport;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real child JVMs started with -javaagent (or attached to), their JFR recordings read back. */
class AgentIT {
    private static final String AGENT = System.getProperty("heapscope.agent.jar", "target/heapscope-agent.jar");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String TEST_CLASSES = Path.of("target", "test-classes").toAbsolutePath().toString();

    @TempDir
    Path dir;

    record Run(int exit, String out) {
    }

    /** Netty's jars from this test's class path, for the Netty workload. */
    private static final String NETTY = java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(p -> p.contains("netty")).collect(java.util.stream.Collectors.joining(File.pathSeparator));

    private Run run(List<String> jvmArgs, String main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-XX:MaxDirectMemorySize=64m", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", TEST_CLASSES + File.pathSeparator + AGENT + File.pathSeparator + NETTY, main));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "child finished");
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    private static List<RecordedEvent> events(Path jfr, String type) throws Exception {
        return RecordingFile.readAllEvents(jfr).stream().filter(e -> e.getEventType().getName().equals(type)).toList();
    }

    private static List<RecordedEvent> ours(List<RecordedEvent> events) {
        return events.stream().filter(e -> e.getString("framework").equals("jdk.direct"))
                .filter(e -> e.getLong("alignedSize") >= DirectBufferWorkload.BASE
                        && e.getLong("alignedSize") < DirectBufferWorkload.BASE + DirectBufferWorkload.COUNT).toList();
    }

    @Test
    void directBufferAllocationsAndReleasesAreRecordedExactly() throws Exception {
        Path jfr = dir.resolve("direct.jfr");
        Run r = run(List.of("-javaagent:" + AGENT + "=hooks=direct,sinks=jfr,jfr.file=" + jfr),
                DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("done "), r.out());
        assertFalse(r.out().contains("WARNING"), "no warnings printed into the application's output: " + r.out());
        List<RecordedEvent> alloc = ours(events(jfr, "heapscope.BufferAllocated"));
        List<RecordedEvent> released = ours(events(jfr, "heapscope.BufferReleased"));
        assertEquals(DirectBufferWorkload.COUNT, alloc.size());
        long expectedBytes = 0;
        for (int i = 0; i < DirectBufferWorkload.COUNT; i++) {
            expectedBytes += DirectBufferWorkload.BASE + i;
        }
        assertEquals(expectedBytes, alloc.stream().mapToLong(e -> e.getLong("alignedSize")).sum());
        assertTrue(alloc.stream().allMatch(e -> e.getLong("address") != 0));
        assertTrue(alloc.stream().allMatch(e -> e.getStackTrace() != null && e.getStackTrace().getFrames().stream()
                .anyMatch(f -> f.getMethod().getType().getName().equals(DirectBufferWorkload.class.getName()))),
                "allocation stacks lead to the workload");
        assertEquals(DirectBufferWorkload.COUNT, released.size(), "cleaners ran for every buffer");
        assertEquals(expectedBytes, released.stream().mapToLong(e -> e.getLong("alignedSize")).sum());

        RecordingReport report = RecordingReport.read(jfr);
        assertTrue(report.toTable().contains("jdk.direct"), report.toTable());
    }

    @Test
    void theHeapscopeAllocatorReportsThroughTheAgent() throws Exception {
        Path jfr = dir.resolve("alloc.jfr");
        Run r = run(List.of("-javaagent:" + AGENT + "=hooks=heapscope,sinks=jfr,jfr.file=" + jfr),
                AllocatorWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        String[] stats = r.out().lines().filter(l -> l.startsWith("stats ")).findFirst().orElseThrow().split(" ");
        assertEquals(Long.parseLong(stats[1]), events(jfr, "heapscope.BufferAllocated").size());
        assertEquals(Long.parseLong(stats[2]), events(jfr, "heapscope.BufferRecycled").size());
        assertEquals(Long.parseLong(stats[3]), events(jfr, "heapscope.BufferFreed").size());
        assertEquals(Long.parseLong(stats[4]), events(jfr, "heapscope.BufferReleased").size());
        assertEquals(Long.parseLong(stats[5]), events(jfr, "heapscope.HeapAllocated").size());
        assertEquals(Long.parseLong(stats[6]), events(jfr, "heapscope.HeapReleased").size());
        assertTrue(events(jfr, "heapscope.BufferAllocated").stream()
                .allMatch(e -> e.getString("framework").equals("heapscope")));
    }

    @Test
    void unsafeAndFfmAllocationsAreCountedOnceEach() throws Exception {
        Path jfr = dir.resolve("native.jfr");
        Run r = run(List.of("-javaagent:" + AGENT + "=sinks=jfr,jfr.file=" + jfr), NativeWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        List<RecordedEvent> alloc = events(jfr, "heapscope.BufferAllocated");
        List<RecordedEvent> released = events(jfr, "heapscope.BufferReleased");
        long n = NativeWorkload.N;
        long unsafeBytes = 0;
        for (int i = 0; i < n; i++) {
            unsafeBytes += NativeWorkload.UNSAFE_BASE + i;
        }
        assertEquals(n + 1, count(alloc, "unsafe"), "three blocks and one reallocation");
        assertEquals(unsafeBytes + NativeWorkload.REALLOC_TO, bytes(alloc, "unsafe"));
        assertEquals(n + 1, count(released, "unsafe"), "the reallocated-away block and three frees");
        assertEquals(unsafeBytes + NativeWorkload.REALLOC_TO, bytes(released, "unsafe"), "freed sizes from the live map");
        long ffmBytes = 0;
        for (int i = 0; i < n; i++) {
            ffmBytes += NativeWorkload.FFM_BASE + i;
        }
        assertEquals(n + 1, count(alloc, "ffm"), "three in the confined arena, one in the global arena");
        assertEquals(ffmBytes + 4096, bytes(alloc, "ffm"));
        assertEquals(n, count(released, "ffm"), "released when the arena closed; the global arena never closes");
        assertEquals(ffmBytes, bytes(released, "ffm"));
        assertEquals(1, alloc.stream().filter(e -> e.getString("framework").equals("jdk.direct"))
                .filter(e -> e.getLong("alignedSize") == 33_333).count(), "direct buffer counted once, as jdk.direct");
        assertEquals(0, alloc.stream().filter(e -> e.getString("framework").equals("unsafe"))
                .filter(e -> e.getLong("alignedSize") == 33_333 || e.getLong("alignedSize") == NativeWorkload.FFM_BASE)
                .count(), "JDK-internal Unsafe use is not counted as unsafe");
    }

    @Test
    void nettyPooledAndUnpooledBuffersAreClassified() throws Exception {
        Path jfr = dir.resolve("netty.jfr");
        Run r = run(List.of("-javaagent:" + AGENT + "=hooks=netty,sinks=jfr,jfr.file=" + jfr), NettyWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        List<RecordedEvent> alloc = events(jfr, "heapscope.BufferAllocated");
        assertEquals(List.of(10_000L, 4_321L, 4_322L), alloc.stream().filter(e -> e.getString("framework").equals("netty"))
                .map(e -> e.getLong("alignedSize")).toList(), "first pooled buffer needed a chunk; two unpooled");
        assertEquals(List.of(10_000L, 20_000L), events(jfr, "heapscope.BufferRecycled").stream()
                .map(e -> e.getLong("alignedSize")).toList(), "served from pooled memory");
        assertEquals(3, count(events(jfr, "heapscope.BufferFreed"), "netty"), "three pooled buffers went back");
        assertEquals(List.of(4_321L, 4_322L), events(jfr, "heapscope.BufferReleased").stream()
                .filter(e -> e.getString("framework").equals("netty")).map(e -> e.getLong("alignedSize")).toList());
        List<RecordedEvent> chunks = events(jfr, "heapscope.HeapAllocated");
        assertTrue(chunks.size() >= 1 && chunks.stream().allMatch(e -> e.getLong("heapSize") >= 20_000), "chunks " + chunks);
    }

    private static long count(List<RecordedEvent> events, String framework) {
        return events.stream().filter(e -> e.getString("framework").equals(framework)).count();
    }

    private static long bytes(List<RecordedEvent> events, String framework) {
        return events.stream().filter(e -> e.getString("framework").equals(framework))
                .mapToLong(e -> e.getLong("alignedSize")).sum();
    }

    @Test
    void openTelemetrySpansReachAnAutoconfiguredExporter() throws Exception {
        Run r = run(List.of("-Dotel.traces.exporter=logging", "-javaagent:" + AGENT + "=hooks=direct,sinks=otel"),
                DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        java.util.function.BiFunction<String, String, Long> spans = (name, out) -> out.lines()
                .filter(l -> l.contains("'" + name + "'") && l.contains("heapscope.framework=jdk.direct"))
                .filter(l -> {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("heapscope.size.aligned=(\\d+)").matcher(l);
                    if (!m.find()) {
                        return false;
                    }
                    long size = Long.parseLong(m.group(1));
                    return size >= DirectBufferWorkload.BASE && size < DirectBufferWorkload.BASE + DirectBufferWorkload.COUNT;
                }).count();
        assertEquals(DirectBufferWorkload.COUNT, spans.apply("heapscope.buffer.allocated", r.out()), r.out());
        assertEquals(DirectBufferWorkload.COUNT, spans.apply("heapscope.buffer.released", r.out()), r.out());
    }

    @Test
    void flagsOffMeansNoHeapscopeEvents() throws Exception {
        Path jfr = dir.resolve("silent.jfr");
        Run r = run(List.of("-javaagent:" + AGENT + "=verbosity=0,sinks=jfr,jfr.file=" + jfr),
                DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        assertTrue(RecordingFile.readAllEvents(jfr).stream()
                .noneMatch(e -> e.getEventType().getName().startsWith("heapscope.")));
    }

    @Test
    void oddPathsKeepTheApplicationRunningWithCorrectResults() throws Exception {
        Run plain = run(List.of(), DirectBufferWorkload.class.getName(), "odd");
        Path jfr = dir.resolve("odd.jfr");
        Run agent = run(List.of("-javaagent:" + AGENT + "=sinks=jfr+otel+log,jfr.file=" + jfr),
                DirectBufferWorkload.class.getName(), "odd");
        assertEquals(0, agent.exit(), agent.out());
        assertEquals(plain.out().lines().filter(l -> l.startsWith("done")).toList(),
                agent.out().lines().filter(l -> l.startsWith("done")).toList(), "same result with the agent");
        assertTrue(events(jfr, "heapscope.BufferAllocated").stream()
                .anyMatch(e -> e.getLong("alignedSize") == 0 && e.getString("framework").equals("jdk.direct")),
                "zero-size buffers are reported too");
    }

    @Test
    void badAgentOptionsNeverBreakTheApplication() throws Exception {
        Run r = run(List.of("-javaagent:" + AGENT + "=verbosity=LOUD"), DirectBufferWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("heapscope agent: not started"), r.out());
        assertTrue(r.out().contains("LOUD"), r.out());
        assertTrue(r.out().contains("done "), r.out());
    }

    @Test
    void aSilentAgentHooksNothingUntilAnAttachTurnsFlagsOn() throws Exception {
        Path jfr = dir.resolve("silent-then-on.jfr");
        Path go = dir.resolve("go2");
        List<String> cmd = List.of(JAVA, "-XX:+EnableDynamicAgentLoading",
                "-javaagent:" + AGENT + "=verbosity=0,hooks=direct,sinks=jfr,jfr.file=" + jfr,
                "-cp", TEST_CLASSES + File.pathSeparator + AGENT, AttachTarget.class.getName(), go.toString());
        Process target = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(target.getInputStream()));
            assertEquals("ready", out.readLine());
            Run attach = run(List.of(), Main.class.getName(), "attach", Long.toString(target.pid()), "verbosity=ALLOCATIONS");
            assertEquals(0, attach.exit(), attach.out());
            Files.writeString(go, "go");
            assertTrue(target.waitFor(60, TimeUnit.SECONDS));
        } finally {
            target.destroyForcibly();
        }
        long ours = events(jfr, "heapscope.BufferAllocated").stream()
                .filter(e -> e.getLong("alignedSize") == AttachTarget.SIZE).count();
        assertEquals(AttachTarget.COUNT, ours, "hooks installed by the attach that turned ALLOCATIONS on");
    }

    @Test
    void dynamicAttachToARunningJvm() throws Exception {
        Path jfr = dir.resolve("attach.jfr");
        Path go = dir.resolve("go");
        List<String> cmd = List.of(JAVA, "-XX:+EnableDynamicAgentLoading", "-cp", TEST_CLASSES,
                AttachTarget.class.getName(), go.toString());
        Process target = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String first = new java.io.BufferedReader(new java.io.InputStreamReader(target.getInputStream())).readLine();
            assertEquals("ready", first);
            Run attach = run(List.of(), Main.class.getName(), "attach", Long.toString(target.pid()),
                    "hooks=direct,sinks=jfr,jfr.file=" + jfr);
            assertEquals(0, attach.exit(), attach.out());
            Run again = run(List.of(), Main.class.getName(), "attach", Long.toString(target.pid()),
                    "hooks=direct,sinks=jfr");
            assertEquals(0, again.exit(), "attaching twice is harmless: " + again.out());
            Files.writeString(go, "go");
            assertTrue(target.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, target.exitValue());
        } finally {
            target.destroyForcibly();
        }
        List<RecordedEvent> alloc = events(jfr, "heapscope.BufferAllocated").stream()
                .filter(e -> e.getLong("alignedSize") == AttachTarget.SIZE).toList();
        assertEquals(AttachTarget.COUNT, alloc.size(), "events after attach, each once");
    }
}

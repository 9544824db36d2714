package io.heapscope.agent;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static io.heapscope.agent.Child.AGENT;
import static io.heapscope.agent.Child.JAVA;
import static io.heapscope.agent.Child.TEST_CLASSES;
import static io.heapscope.agent.Child.allocations;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's OpenTelemetry with real exporters, real child JVMs: the Prometheus endpoint scraped over loopback,
 * OTLP/HTTP spans received by a receiver written here, failures that must not stop the agent, and the OpenTelemetry
 * Java agent (a real one, from Maven Central) before and after Heapscope's.
 */
class OpenTelemetryIT {
    private static final String DISABLED = "heapscope agent: OpenTelemetry disabled (JFR and the hooks keep working): ";
    private static final String AGENT_ARGS = "hooks=direct+ffm+heapscope,sinks=jfr+otel";

    @TempDir
    Path dir;

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A child JVM running {@link OtelWorkload}, its output collected line by line. */
    private static final class Live implements AutoCloseable {
        final Process process;
        final StringBuffer out = new StringBuffer();
        final Writer in;

        Live(List<String> jvmArgs, String classPath, String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(JAVA, "-XX:MaxDirectMemorySize=64m",
                    "--enable-native-access=ALL-UNNAMED"));
            cmd.addAll(jvmArgs);
            cmd.addAll(List.of("-cp", classPath, OtelWorkload.class.getName()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        out.append(l).append('\n');
                    }
                } catch (IOException e) {
                    out.append("(reading failed: ").append(e).append(")\n");
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        void await(String line) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (out.toString().lines().noneMatch(l -> l.equals(line))) {
                assertTrue(process.isAlive() || out.toString().lines().anyMatch(l -> l.equals(line)),
                        "the child exited before printing '" + line + "': " + out);
                assertTrue(System.nanoTime() < deadline, "no '" + line + "' within 90 s: " + out);
                Thread.sleep(20);
            }
        }

        void next() throws IOException {
            in.write("go\n");
            in.flush();
        }

        int finish() throws Exception {
            in.close();
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "child finished: " + out);
            Thread.sleep(100); // the reader drains the rest
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static String scrape(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** Samples of one metric whose labels include every given name="value" pair. */
    private static List<String> samples(String text, String metric, String... labels) {
        return text.lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
                .filter(l -> Arrays.stream(labels).allMatch(kv -> {
                    int eq = kv.indexOf('=');
                    return l.contains(kv.substring(0, eq) + "=\"" + kv.substring(eq + 1) + "\"");
                })).toList();
    }

    /** The sum of those samples' values; fails when there is none. */
    private static double value(String text, String metric, String... labels) {
        List<String> s = samples(text, metric, labels);
        assertFalse(s.isEmpty(), "no sample " + metric + Arrays.toString(labels) + " in:\n" + text);
        return s.stream().mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The local addresses Linux lists for sockets listening on this port (/proc/net/tcp and tcp6, hex). */
    private static List<String> listeners(int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        List<String> found = new ArrayList<>();
        for (String f : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Path.of(f);
            if (!Files.exists(p)) {
                continue;
            }
            for (String l : Files.readAllLines(p)) {
                String[] c = l.trim().split("\\s+");
                if (c.length > 3 && c[1].endsWith(":" + hexPort) && c[3].equals("0A")) {
                    found.add(c[1].substring(0, c[1].indexOf(':')));
                }
            }
        }
        return found;
    }

    private static void assertLoopbackOnly(int port) throws Exception {
        List<String> listening = listeners(port);
        assertFalse(listening.isEmpty(), "something listens on " + port);
        // 127.0.0.1 in /proc/net/tcp, or as an IPv4-mapped address (::ffff:127.0.0.1) in /proc/net/tcp6
        assertTrue(listening.stream().allMatch(a -> a.equals("0100007F") || a.equals("0000000000000000FFFF00000100007F")),
                "the endpoint listens on 127.0.0.1 only, not on any address: " + listening);
        for (NetworkInterface n : NetworkInterface.networkInterfaces().toList()) {
            for (InetAddress a : n.inetAddresses().toList()) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    assertThrows(ConnectException.class, () -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(a, port), 2000);
                        }
                    }, "not reachable on " + a);
                }
            }
        }
    }

    /** The Prometheus column of docs/telemetry.md's framework metric table. */
    private static List<String> documentedFrameworkMetrics() throws IOException {
        List<String> names = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("..", "docs", "telemetry.md"))) {
            if (line.startsWith("| framework metric |")) {
                in = true;
            } else if (in && !line.startsWith("|")) {
                break;
            } else if (in && !line.startsWith("|---")) {
                names.add(line.split("\\|")[5].strip());
            }
        }
        assertEquals(5, names.size(), "the framework metric table of docs/telemetry.md: " + names);
        return names;
    }

    private static long disabledLines(String out) {
        return out.lines().filter(l -> l.startsWith(DISABLED)).count();
    }

    private static String disabledLine(String out) {
        return out.lines().filter(l -> l.startsWith(DISABLED)).findFirst().orElse("");
    }

    private static String classPath() {
        return TEST_CLASSES + File.pathSeparator + AGENT;
    }

    private static long expectedChecksum() {
        return OtelWorkload.DIRECT_BYTES + OtelWorkload.FFM_BYTES + OtelWorkload.FAILURES;
    }

    /** The application's result is right and the agent's recording has the workload's direct buffers. */
    private static void assertAppAndJfrFine(int exit, String out, Path jfr) throws Exception {
        assertEquals(0, exit, out);
        assertTrue(out.lines().anyMatch(l -> l.equals("done " + expectedChecksum())), out);
        assertTrue(out.lines().anyMatch(l -> l.equals("failures " + OtelWorkload.FAILURES)), out);
        assertEquals(OtelWorkload.DIRECT_BUFFERS, allocations(jfr, "jdk.direct").stream()
                .filter(e -> e.getLong("size") == OtelWorkload.DIRECT_SIZE).count(), "JFR still records: " + out);
        assertEquals(3, allocations(jfr, "ffm").stream().filter(e -> e.getLong("size") == 65_537).count(), out);
        assertTrue(Child.events(jfr, "heapscope.AllocationFailed").size() >= OtelWorkload.FAILURES,
                "the allocator's own events too");
    }

    // ---- Prometheus -----------------------------------------------------------------------------------------------

    @Test
    void prometheusServesFrameworkAndAllocatorMetricsOnLoopback() throws Exception {
        int port = freePort();
        Path jfr = dir.resolve("prom.jfr");
        try (Live child = new Live(List.of("-Dotel.metrics.exporter=prometheus",
                "-Dotel.exporter.prometheus.port=" + port, "-Dotel.service.name=heapscope-it",
                "-javaagent:" + AGENT + "=" + AGENT_ARGS + ",jfr.file=" + jfr), classPath(), "wait")) {
            child.await("holding");
            assertTrue(child.out.toString().contains("otel sdk"), "the agent's own SDK: " + child.out);
            String held = scrape(port);

            // framework metrics, per framework
            assertEquals(OtelWorkload.FFM_BYTES, value(held, "heapscope_framework_memory_live_bytes",
                    "heapscope_framework=ffm"), held);
            assertEquals(3, value(held, "heapscope_framework_buffers_live", "heapscope_framework=ffm"));
            // the host device's own small FFM allocations come and go too
            double ffmAllocations = value(held, "heapscope_framework_allocations_total", "heapscope_framework=ffm");
            double ffmFrees = value(held, "heapscope_framework_frees_total", "heapscope_framework=ffm");
            assertEquals(3, ffmAllocations - ffmFrees);
            assertTrue(value(held, "heapscope_framework_allocated_bytes_total", "heapscope_framework=ffm")
                    >= OtelWorkload.FFM_BYTES);
            double directHeld = value(held, "heapscope_framework_memory_live_bytes", "heapscope_framework=jdk.direct");
            assertTrue(directHeld >= OtelWorkload.DIRECT_BYTES && directHeld < OtelWorkload.DIRECT_BYTES + (256 << 10),
                    "the workload's direct buffers, plus at most the JDK's own small ones: " + directHeld);
            assertTrue(value(held, "heapscope_framework_allocations_total", "heapscope_framework=jdk.direct")
                    >= OtelWorkload.DIRECT_BUFFERS);
            assertEquals(1, samples(held, "heapscope_framework_memory_live_bytes", "heapscope_framework=ffm",
                    "otel_scope_name=io.heapscope").size(), "instrumentation scope as a label");

            for (String name : documentedFrameworkMetrics()) {
                assertFalse(samples(held, name, "heapscope_framework=ffm").isEmpty(),
                        "docs/telemetry.md's framework metric " + name + " is served:\n" + held);
            }

            // allocator metrics, with the allocator's identity
            String a = "heapscope_allocator_name=" + OtelWorkload.ALLOCATOR;
            assertEquals(OtelWorkload.FAILURES, value(held, "heapscope_out_of_memory_total", a), held);
            assertEquals(4 << 20, value(held, "heapscope_memory_in_use_bytes", a));
            assertTrue(samples(held, "heapscope_memory_in_use_bytes", a).stream()
                    .allMatch(l -> l.matches(".*heapscope_allocator_id=\"\\d+\".*")), "id label");
            assertEquals(2, value(held, "heapscope_allocations_total", a));
            assertFalse(samples(held, "heapscope_watermark_limit_bytes", a).isEmpty(), "all 13 metrics exported");
            assertFalse(samples(held, "heapscope_allocations_total", a, "otel_scope_name=io.heapscope").isEmpty());

            // the resource
            assertEquals(1, samples(held, "target_info", "service_name=heapscope-it").size(), held);
            assertLoopbackOnly(port);

            child.next();
            child.await("released");
            String released = scrape(port);
            assertEquals(0, value(released, "heapscope_framework_memory_live_bytes", "heapscope_framework=ffm"));
            assertTrue(value(released, "heapscope_framework_frees_total", "heapscope_framework=ffm") >= ffmFrees + 3);
            assertEquals(0, value(released, "heapscope_framework_buffers_live", "heapscope_framework=ffm"));
            double directReleased = value(released, "heapscope_framework_memory_live_bytes",
                    "heapscope_framework=jdk.direct");
            assertEquals(OtelWorkload.DIRECT_BYTES, directHeld - directReleased, 128 << 10,
                    "the workload's direct buffers freed: " + directHeld + " -> " + directReleased);
            assertTrue(samples(released, "heapscope_memory_in_use_bytes", a).isEmpty(),
                    "a closed allocator's series are gone: " + released);
            child.next();
            assertAppAndJfrFine(child.finish(), child.out.toString(), jfr);
            assertEquals(0, disabledLines(child.out.toString()), child.out.toString());
        }
    }

    @Test
    void withoutAnExporterNoSdkOrExporterClassLoads() throws Exception {
        Path jfr = dir.resolve("none.jfr");
        try (Live child = new Live(List.of("-verbose:class",
                "-javaagent:" + AGENT + "=" + AGENT_ARGS + ",jfr.file=" + jfr), classPath())) {
            int exit = child.finish();
            String out = child.out.toString();
            assertTrue(out.contains("otel none"), out);
            assertTrue(out.contains("io.heapscope.agent.AgentInstaller"), "-verbose:class lists the agent's classes");
            // Known exception: the allocator's own otel sink calls GlobalOpenTelemetry.get(), whose autoconfigure
            // probe (a class name string the shading relocated) loads the agent's AutoConfiguredOpenTelemetrySdk
            // class, nothing more (and logs one INFO line): see docs/agent.md
            String loaded = out.lines().filter(l -> !l.contains("shaded.otel.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk ")
                    && !l.contains("shaded.otel.sdk.autoconfigure.AutoValue_AutoConfiguredOpenTelemetrySdk "))
                    .collect(Collectors.joining("\n"));
            for (String p : List.of("io.heapscope.agent.shaded.otel.sdk.", "io.heapscope.agent.shaded.otel.exporter.",
                    "io.heapscope.agent.shaded.okhttp3.", "io.heapscope.agent.shaded.kotlin.",
                    "io.heapscope.agent.shaded.prometheus.", "io.heapscope.agent.shaded.protobuf.")) {
                assertFalse(loaded.contains(p), "nothing of " + p + " loaded when no exporter is configured");
            }
            assertAppAndJfrFine(exit, out.lines().filter(l -> !l.startsWith("[")).collect(Collectors.joining("\n")),
                    jfr);
        }
    }

    // ---- OTLP -----------------------------------------------------------------------------------------------------

    /** A minimal OTLP/HTTP receiver: counts the spans of each name in the ExportTraceServiceRequests it is sent. */
    private static final class OtlpReceiver implements AutoCloseable {
        final HttpServer server;
        final Map<String, AtomicInteger> spans = new ConcurrentHashMap<>();
        final AtomicInteger requests = new AtomicInteger();

        OtlpReceiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/v1/traces", x -> {
                byte[] body = x.getRequestBody().readAllBytes();
                if (x.getRequestMethod().equals("POST")) {
                    requests.incrementAndGet();
                    // ExportTraceServiceRequest: 1 resource_spans { 2 scope_spans { 2 spans { 5 name } } }
                    for (byte[] rs : fields(body, 1)) {
                        for (byte[] ss : fields(rs, 2)) {
                            for (byte[] span : fields(ss, 2)) {
                                for (byte[] name : fields(span, 5)) {
                                    spans.computeIfAbsent(new String(name, StandardCharsets.UTF_8),
                                            k -> new AtomicInteger()).incrementAndGet();
                                }
                            }
                        }
                    }
                }
                x.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                x.sendResponseHeaders(200, 0);
                x.close(); // an empty ExportTraceServiceResponse: everything accepted
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        int count(String name) {
            AtomicInteger n = spans.get(name);
            return n == null ? 0 : n.get();
        }

        /** The length-delimited fields with this number (protobuf wire format). */
        static List<byte[]> fields(byte[] b, int number) {
            List<byte[]> found = new ArrayList<>();
            int[] pos = {0};
            while (pos[0] < b.length) {
                long key = varint(b, pos);
                int wire = (int) (key & 7);
                switch (wire) {
                    case 0 -> varint(b, pos);
                    case 1 -> pos[0] += 8;
                    case 5 -> pos[0] += 4;
                    case 2 -> {
                        int len = (int) varint(b, pos);
                        if ((key >>> 3) == number) {
                            found.add(Arrays.copyOfRange(b, pos[0], pos[0] + len));
                        }
                        pos[0] += len;
                    }
                    default -> throw new IllegalArgumentException("wire type " + wire);
                }
            }
            return found;
        }

        static long varint(byte[] b, int[] pos) {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                byte x = b[pos[0]++];
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void otlpHttpDeliversEveryAllocationFailureSpan() throws Exception {
        Path jfr = dir.resolve("otlp.jfr");
        try (OtlpReceiver receiver = new OtlpReceiver();
             Live child = new Live(List.of("-Dotel.traces.exporter=otlp", "-Dheapscope.otel.spans=all",
                     "-Dotel.exporter.otlp.protocol=http/protobuf",
                     "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + receiver.port(),
                     "-javaagent:" + AGENT + "=" + AGENT_ARGS + ",jfr.file=" + jfr), classPath())) {
            int exit = child.finish();
            String out = child.out.toString();
            assertTrue(out.contains("otel sdk"), out);
            assertAppAndJfrFine(exit, out, jfr);
            assertEquals(0, disabledLines(out), out);
            assertTrue(receiver.requests.get() > 0, "the exporter posted to the receiver");
            assertEquals(OtelWorkload.FAILURES, receiver.count("heapscope.allocation_failed"),
                    "every allocation failure arrives: " + receiver.spans);
            assertTrue(receiver.count("heapscope.offheap.allocation") >= OtelWorkload.DIRECT_BUFFERS + 3,
                    "the hooks' spans too: " + receiver.spans);
            assertTrue(receiver.count("heapscope.offheap.free") >= 3, receiver.spans.toString());
        }
    }

    /**
     * 1,000 direct buffers (two spans each) around each of 40 allocation failures overflow the SDK's default batch
     * queue (2048): the failure spans must all arrive anyway (their own queue, {@code FailureSpans}).
     */
    @Test
    void otlpKeepsEveryAllocationFailureSpanInAFloodOfOtherSpans() throws Exception {
        Path jfr = dir.resolve("flood.jfr");
        try (OtlpReceiver receiver = new OtlpReceiver();
             Live child = new Live(List.of("-Dflood=1000", "-Dotel.traces.exporter=otlp",
                     // every hook's event a span, no rate limit: the flood this test needs
                     "-Dheapscope.otel.spans=all", "-Dheapscope.otel.spans.max_per_second=0",
                     "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + receiver.port(),
                     "-javaagent:" + AGENT + "=" + AGENT_ARGS + ",jfr.file=" + jfr), classPath())) {
            int exit = child.finish();
            String out = child.out.toString();
            assertEquals(0, exit, out);
            assertTrue(receiver.count("heapscope.offheap.allocation") < OtelWorkload.FAILURES * 1000,
                    "the flood overflowed the batch queue (else this test shows nothing): " + receiver.spans);
            assertEquals(OtelWorkload.FAILURES, receiver.count("heapscope.allocation_failed"),
                    "no allocation-failure span dropped: " + receiver.spans + " requests " + receiver.requests + "\n" + out);
        }
    }

    // ---- failures that must not stop the agent -------------------------------------------------------------------

    /**
     * Runs the workload with these settings; with {@code laterFailure} (an export that fails only once tried, after
     * the exporter's retries) it holds its memory until the line is out, as a long-running application would.
     */
    private String failingRun(String classPath, String cause, boolean laterFailure, String... otelArgs)
            throws Exception {
        Path jfr = dir.resolve("failing-" + Math.abs(cause.hashCode()) + ".jfr");
        List<String> jvm = new ArrayList<>(List.of(otelArgs));
        jvm.add("-javaagent:" + AGENT + "=" + AGENT_ARGS + ",jfr.file=" + jfr);
        try (Live child = laterFailure ? new Live(jvm, classPath, "wait") : new Live(jvm, classPath)) {
            if (laterFailure) {
                child.await("holding");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (disabledLines(child.out.toString()) == 0) {
                    assertTrue(System.nanoTime() < deadline, "no line within 60 s: " + child.out);
                    Thread.sleep(50);
                }
                child.next();
                child.await("released");
                child.next();
            }
            int exit = child.finish();
            String out = child.out.toString();
            assertAppAndJfrFine(exit, out, jfr);
            assertEquals(1, disabledLines(out), "exactly one line: " + out);
            assertTrue(disabledLine(out).contains(cause), "names the cause (" + cause + "): " + out);
            assertFalse(out.contains("\tat "), "no stack trace: " + out);
            assertFalse(out.contains("SEVERE") || out.contains("WARNING") || out.contains("INFO"),
                    "no SDK or exporter log lines: " + out);
            return out;
        }
    }

    @Test
    void aBadExporterNameDisablesOpenTelemetryOnly() throws Exception {
        String out = failingRun(classPath(), "nonsense", false, "-Dotel.traces.exporter=nonsense");
        assertTrue(out.contains("otel disabled: "), out);
    }

    @Test
    void anUnreachableCollectorDisablesOpenTelemetryOnly() throws Exception {
        int closed = freePort();
        failingRun(classPath(), "127.0.0.1:" + closed, true, "-Dotel.traces.exporter=otlp",
                "-Dotel.exporter.otlp.protocol=http/protobuf", "-Dotel.bsp.schedule.delay=100",
                "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + closed);
    }

    @Test
    void grpcStartsAndAnUnreachableGrpcCollectorDisablesOpenTelemetryOnly() throws Exception {
        int closed = freePort();
        String out = failingRun(classPath(), "export", true, "-Dotel.traces.exporter=otlp", "-Dotel.exporter.otlp.protocol=grpc",
                "-Dotel.bsp.schedule.delay=100", "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + closed);
        assertTrue(out.contains("otel sdk"), "the gRPC exporter was built (the failure came later): " + out);
    }

    @Test
    void anOldOpenTelemetryApiInTheApplicationDisablesOpenTelemetryOnly() throws Exception {
        File[] jars = new File(System.getProperty("heapscope.otel.oldapi", "target/otel-api-1.31.0")).listFiles();
        assertTrue(jars != null && jars.length == 2, "the build copies opentelemetry-api and -context 1.31.0");
        String old = Arrays.stream(jars).map(File::getAbsolutePath).collect(Collectors.joining(File.pathSeparator));
        // the application's class path first; the JVM appends the -javaagent jar after it
        failingRun(old + File.pathSeparator + TEST_CLASSES, "incompatible", false, "-Dotel.metrics.exporter=prometheus",
                "-Dotel.exporter.prometheus.port=" + freePort());
    }

    // ---- the OpenTelemetry Java agent ---------------------------------------------------------------------------

    private void throughTheOpenTelemetryAgent(boolean otelFirst) throws Exception {
        String otelAgent = System.getProperty("heapscope.otel.javaagent", "target/otel-javaagent/opentelemetry-javaagent.jar");
        assertTrue(Files.exists(Path.of(otelAgent)), "the build copies the OpenTelemetry Java agent: " + otelAgent);
        int port = freePort();
        Path jfr = dir.resolve("otel-agent-" + otelFirst + ".jfr");
        List<String> agents = new ArrayList<>(List.of("-javaagent:" + otelAgent,
                "-javaagent:" + AGENT + "=" + AGENT_ARGS + ",jfr.file=" + jfr));
        if (!otelFirst) {
            agents = agents.reversed();
        }
        List<String> jvm = new ArrayList<>(List.of("-Dotel.metrics.exporter=prometheus",
                "-Dotel.exporter.prometheus.host=127.0.0.1", "-Dotel.exporter.prometheus.port=" + port,
                "-Dotel.traces.exporter=none", "-Dotel.logs.exporter=none", "-Dotel.service.name=with-otel-agent",
                "-Dotel.javaagent.logging=none"));
        jvm.addAll(agents);
        try (Live child = new Live(jvm, classPath(), "wait")) {
            child.await("holding");
            String out = child.out.toString();
            assertTrue(out.contains("otel global"), "Heapscope uses the OpenTelemetry agent's SDK: " + out);
            String held = scrape(port);
            assertEquals(OtelWorkload.FFM_BYTES, value(held, "heapscope_framework_memory_live_bytes",
                    "heapscope_framework=ffm"), held);
            assertEquals(OtelWorkload.FAILURES, value(held, "heapscope_out_of_memory_total",
                    "heapscope_allocator_name=" + OtelWorkload.ALLOCATOR), held);
            assertEquals(1, samples(held, "target_info", "service_name=with-otel-agent").size(), held);
            assertTrue(samples(held, "heapscope_framework_memory_live_bytes", "heapscope_framework=ffm").size() == 1,
                    "one series, not two pipelines: " + held);
            child.next();
            child.await("released");
            child.next();
            assertAppAndJfrFine(child.finish(), child.out.toString(), jfr);
            assertEquals(0, disabledLines(child.out.toString()), child.out.toString());
        }
    }

    @Test
    void theOpenTelemetryAgentFirstCarriesHeapscopesMetrics() throws Exception {
        throughTheOpenTelemetryAgent(true);
    }

    @Test
    void theOpenTelemetryAgentSecondCarriesHeapscopesMetrics() throws Exception {
        throughTheOpenTelemetryAgent(false);
    }
}

package io.heapscope.telemetry;

import io.heapscope.telemetry.otel.OtelTelemetry;
import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.backend.host.HostDevice;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scrapes the OpenTelemetry Prometheus exporter's /metrics endpoint (on loopback) and checks that every Prometheus
 * name docs/telemetry.md promises is served, with the allocator's reserved bytes as its value.
 */
class PrometheusNamesTest {

    @Test
    void documentedPrometheusNamesAreWhatTheExporterServes() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PrometheusHttpServer server = PrometheusHttpServer.builder().setHost("127.0.0.1").setPort(port).build();
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(server).build()).build();
             HostDevice d = HostDevice.builder().capacity(1L << 30).build();
             HeapAllocator a = HeapAllocator.builder(d).verbosity(DebugVerbosity.PROFILING.bit())
                     .sinks(Set.of()).telemetry(OtelTelemetry.using(otel)).build()) {
            a.free(a.malloc(3 << 20, false));
            a.malloc(3 << 20, false);
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String name : documentedPrometheusNames()) {
                assertTrue(body.contains("\n" + name + "{") || body.contains("\n" + name + " "),
                        "exporter serves " + name + ":\n" + body);
            }
            assertTrue(body.contains("heapscope_memory_reserved_bytes{heapscope_allocator_id=\"" + a.id().id() + "\",heapscope_allocator_name=\"" + a.id().name() + "\",heapscope_pool=\"PRIVATE_LARGE\""), body);
            assertTrue(body.contains("heapscope_allocations_total{heapscope_allocator_id=\"" + a.id().id()
                    + "\",heapscope_allocator_name=\"" + a.id().name() + "\",heapscope_outcome=\"recycled\""), body);
        }
    }

    private static List<String> documentedPrometheusNames() throws Exception {
        List<String> names = new ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("..", "docs", "telemetry.md"))) {
            if (line.startsWith("| metric |")) {
                in = true;
                continue;
            }
            if (in && line.startsWith("|---")) {
                continue;
            }
            if (in && !line.startsWith("|")) {
                break;
            }
            if (in) {
                String[] cells = line.split("\\|");
                names.add(cells[5].strip());
            }
        }
        assertTrue(names.size() >= 10, "metric table found");
        return names;
    }
}

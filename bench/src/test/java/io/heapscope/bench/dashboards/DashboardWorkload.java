package io.heapscope.bench.dashboards;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.allocator.MpsOutOfMemoryException;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.telemetry.otel.OtelTelemetry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The workload behind the dashboards' test ({@code dashboards/test/run.sh}): two named Heapscope allocators on host
 * devices doing a varied workload for a bounded time, plus real off-heap allocations of three frameworks (direct
 * byte buffers, FFM arenas, Netty's pooled allocator).
 *
 * <ul>
 *   <li>{@code decoder}: a 256 MiB device with the high watermark at 50 % and the low at 40 %; it fills up in bursts,
 *       so it enters memory pressure, garbage-collects cached buffers and runs out of memory (caught, counted).</li>
 *   <li>{@code encoder}: a 512 MiB device, steady mixed small/large/shared/scalar traffic well under its limits.</li>
 * </ul>
 *
 * <p>Two ways to export ({@code --export=}):
 * <ul>
 *   <li>{@code self} (default): an OpenTelemetry SDK with the Prometheus exporter on {@code 127.0.0.1:<port>}; the
 *       allocators report through it, and so do the framework metrics, which this class counts itself for the
 *       allocations it makes (the names the agent's hooks will use: {@code heapscope.framework.*}).</li>
 *   <li>{@code global}: for a JVM started with the agent ({@code -javaagent:heapscope-agent.jar=...
 *       -Dotel.metrics.exporter=prometheus}): the allocators get no sinks here, the agent's {@code heapscope} hook
 *       adds its own (its SDK, its exporter), and the framework metrics come from the agent's hooks; this class only
 *       allocates. Not yet verified: the agent's metrics exporters are being written.</li>
 * </ul>
 *
 * <p>Usage: {@code DashboardWorkload --port=<port> --seconds=<s> [--export=self|global]}. Prints
 * {@code ready <port>} once the first allocations were made.
 */
public final class DashboardWorkload {

    private static final long MiB = 1L << 20;
    private static final AttributeKey<String> FRAMEWORK = AttributeKey.stringKey("heapscope.framework");

    private DashboardWorkload() {
    }

    public static void main(String[] args) throws Exception {
        int port = 9464;
        long seconds = 120;
        String export = "self";
        for (String a : args) {
            if (a.startsWith("--port=")) {
                port = Integer.parseInt(a.substring(7));
            } else if (a.startsWith("--seconds=")) {
                seconds = Long.parseLong(a.substring(10));
            } else if (a.startsWith("--export=")) {
                export = a.substring(9);
            } else {
                throw new IllegalArgumentException("unknown argument " + a
                        + " (known: --port=<port> --seconds=<s> --export=self|global)");
            }
        }
        OpenTelemetrySdk sdk = null;
        OpenTelemetry otel;
        FrameworkMetrics frameworks;
        if (export.equals("self")) {
            PrometheusHttpServer server = PrometheusHttpServer.builder().setHost("127.0.0.1").setPort(port).build();
            sdk = OpenTelemetrySdk.builder()
                    .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(server).build()).build();
            otel = sdk;
            frameworks = new FrameworkMetrics(sdk.getMeter("io.heapscope"));
        } else if (export.equals("global")) {
            otel = null;
            frameworks = null;
        } else {
            throw new IllegalArgumentException("--export must be self or global, got " + export);
        }
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        try (HostDevice decoderDevice = HostDevice.builder().capacity(256 * MiB).build();
             HostDevice encoderDevice = HostDevice.builder().capacity(512 * MiB).build();
             HeapAllocator decoder = allocator(decoderDevice, "decoder", otel, 0.5, 0.4);
             HeapAllocator encoder = allocator(encoderDevice, "encoder", otel, 1.0, 0.9)) {
            AllocatorLoop d = new AllocatorLoop(decoder, new SplittableRandom(1), 120 * MiB);
            AllocatorLoop e = new AllocatorLoop(encoder, new SplittableRandom(2), 96 * MiB);
            FrameworkLoop f = new FrameworkLoop(frameworks, new SplittableRandom(3));
            for (int i = 0; i < 50; i++) {
                d.step(0);
                e.step(0);
                f.step();
            }
            System.out.println("ready " + port);
            System.out.flush();
            long tick = 0;
            while (System.nanoTime() < end) {
                d.step(tick);
                e.step(tick);
                if (tick % 4 == 0) {
                    f.step();
                }
                tick++;
                Thread.sleep(2);
            }
            System.out.println("done: decoder " + decoder.stats() + "; encoder " + encoder.stats());
        } finally {
            if (sdk != null) {
                sdk.close();
            }
        }
    }

    private static HeapAllocator allocator(HostDevice device, String name, OpenTelemetry otel, double high, double low) {
        HeapAllocator.Builder b = HeapAllocator.builder(device).name(name).highWatermarkRatio(high)
                .lowWatermarkRatio(low).verbosity(DebugVerbosity.PROFILING.bit());
        b.sinks(Set.of());
        if (otel != null) {
            b.telemetry(OtelTelemetry.using(otel));
        }
        // else (--export=global): no sinks of its own; the agent's `heapscope` hook finds the allocator and adds
        // the agent's sinks, which report through the agent's SDK (it does not set GlobalOpenTelemetry)
        return b.build();
    }

    /** Mixed traffic on one allocator; every ~2000 ticks a burst that fills it towards its limit. */
    private static final class AllocatorLoop {
        private final HeapAllocator allocator;
        private final SplittableRandom random;
        private final long burstBytes;
        private final List<MpsBuffer> held = new ArrayList<>();
        private long heldBytes;

        AllocatorLoop(HeapAllocator allocator, SplittableRandom random, long burstBytes) {
            this.allocator = allocator;
            this.random = random;
            this.burstBytes = burstBytes;
            // one long-lived buffer in each of the five pools (think model weights): every pool always has a heap
            allocator.malloc(64 * 1024, false);
            allocator.malloc(64 * 1024, true);
            allocator.malloc(2 * MiB, false);
            allocator.malloc(2 * MiB, true);
            try (Arena arena = Arena.ofConfined()) {
                allocator.allocScalarBufferWithValue(arena.allocate(ValueLayout.JAVA_LONG));
            }
        }

        void step(long tick) {
            long phase = tick % 2000;
            long target = phase < 300 ? burstBytes * 2 : burstBytes / 3; // burst: ask for more than fits
            int r = random.nextInt(100);
            if (heldBytes < target && r < 60 || held.isEmpty()) {
                allocate(r);
            } else {
                free(random.nextInt(held.size()));
            }
            if (phase == 1000) {
                allocator.emptyCache(); // releases cached buffers and empty heaps
            }
        }

        private void allocate(int r) {
            try {
                MpsBuffer b;
                if (r < 5) {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
                        v.set(ValueLayout.JAVA_LONG, 0, r);
                        b = allocator.allocScalarBufferWithValue(v);
                    }
                } else if (r < 35) {
                    b = allocator.malloc(4096L * (1 + random.nextInt(200)), random.nextBoolean()); // small pools
                } else {
                    b = allocator.malloc(MiB + random.nextLong(12 * MiB), r < 45); // large pools, some shared
                }
                held.add(b);
                heldBytes += b.size();
            } catch (MpsOutOfMemoryException e) {
                for (int i = held.size() / 2; i > 0; i--) { // back off: give half back
                    free(random.nextInt(held.size()));
                }
            }
        }

        private void free(int i) {
            MpsBuffer b = held.get(i);
            held.set(i, held.getLast());
            held.removeLast();
            heldBytes -= b.size();
            allocator.free(b);
        }
    }

    /**
     * Real off-heap allocations of three frameworks. With {@code metrics} (self export) it counts them under the
     * agent's metric names; direct buffers are counted freed when their cleaner runs (after a GC), as the agent does.
     */
    private static final class FrameworkLoop {
        private static final Cleaner CLEANER = Cleaner.create();
        private final FrameworkMetrics metrics;
        private final SplittableRandom random;
        private final ArrayDeque<ByteBuffer> direct = new ArrayDeque<>();
        private final ArrayDeque<Arena> arenas = new ArrayDeque<>();
        private final ArrayDeque<long[]> arenaBytes = new ArrayDeque<>();
        private final ArrayDeque<ByteBuf> netty = new ArrayDeque<>();
        // unpooled: every buffer is its own off-heap allocation, which the agent's netty hook reports as such (a pooled
        // allocator's memory comes and goes in rare chunks, which leaves a few-second rate window empty)
        private final UnpooledByteBufAllocator nettyAllocator = new UnpooledByteBufAllocator(true);
        private long ticks;

        FrameworkLoop(FrameworkMetrics metrics, SplittableRandom random) {
            this.metrics = metrics;
            this.random = random;
        }

        void step() {
            ticks++;
            int size = 1024 * (1 + random.nextInt(256));
            ByteBuffer bb = ByteBuffer.allocateDirect(size);
            if (metrics != null) {
                metrics.allocated("jdk.direct", size);
                FrameworkMetrics m = metrics;
                CLEANER.register(bb, () -> m.freed("jdk.direct", size));
            }
            direct.add(bb);
            if (direct.size() > 200) {
                direct.poll();
            }

            Arena arena = Arena.ofShared();
            long[] bytes = {0};
            for (int i = random.nextInt(1, 4); i > 0; i--) {
                long n = 4096L * (1 + random.nextInt(64));
                arena.allocate(n);
                bytes[0] += n;
                if (metrics != null) {
                    metrics.allocated("ffm", n);
                }
            }
            arenas.add(arena);
            arenaBytes.add(bytes);
            if (arenas.size() > 50) {
                arenas.poll().close();
                long[] freed = arenaBytes.poll();
                if (metrics != null) {
                    metrics.freed("ffm", freed[0]);
                }
            }

            int n = 256 * (1 + random.nextInt(512));
            ByteBuf buf = nettyAllocator.directBuffer(n);
            if (metrics != null) {
                metrics.allocated("netty", n);
            }
            netty.add(buf);
            if (netty.size() > 300) {
                ByteBuf old = netty.poll();
                int cap = old.capacity();
                old.release();
                if (metrics != null) {
                    metrics.freed("netty", cap);
                }
            }
            if (ticks % 500 == 0) {
                System.gc(); // lets the direct buffers' cleaners run
            }
        }
    }

    /** The framework metrics under the names the agent exports ({@code heapscope_framework_*} in Prometheus). */
    private static final class FrameworkMetrics {
        private final LongUpDownCounter liveBytes;
        private final LongUpDownCounter liveBuffers;
        private final LongCounter allocations;
        private final LongCounter frees;
        private final LongCounter allocatedBytes;

        FrameworkMetrics(Meter meter) {
            liveBytes = meter.upDownCounterBuilder("heapscope.framework.memory.live").setUnit("By")
                    .setDescription("Off-heap bytes allocated and not yet freed, per framework").build();
            liveBuffers = meter.upDownCounterBuilder("heapscope.framework.buffers.live").setUnit("{buffer}")
                    .setDescription("Off-heap allocations not yet freed, per framework").build();
            allocations = meter.counterBuilder("heapscope.framework.allocations").setUnit("{allocation}")
                    .setDescription("Off-heap allocations, per framework").build();
            frees = meter.counterBuilder("heapscope.framework.frees").setUnit("{buffer}")
                    .setDescription("Off-heap frees, per framework").build();
            allocatedBytes = meter.counterBuilder("heapscope.framework.allocated").setUnit("By")
                    .setDescription("Off-heap bytes allocated, per framework").build();
        }

        void allocated(String framework, long bytes) {
            Attributes a = Attributes.of(FRAMEWORK, framework);
            liveBytes.add(bytes, a);
            liveBuffers.add(1, a);
            allocations.add(1, a);
            allocatedBytes.add(bytes, a);
        }

        void freed(String framework, long bytes) {
            Attributes a = Attributes.of(FRAMEWORK, framework);
            liveBytes.add(-bytes, a);
            liveBuffers.add(-1, a);
            frees.add(1, a);
        }
    }
}

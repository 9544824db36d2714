package io.heapscope.agent.timeline;



import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Downsampling keeps peaks; framework events become per-framework series; markers and intervals are kept. */
class TimelineRecorderTest {

    private static TimelineEvent buffer(TimelineEvent.Kind k, String framework, long id, long size, long inUse) {
        return TimelineEvent.builder(k).framework(framework).pool("PRIVATE_LARGE").bufferId(id).heapId(1)
                .address(0x1000_0000L + id * 0x10_0000L).alignedSize(size).totalInUse(inUse).totalReserved(1 << 30)
                .build();
    }

    @Test
    @SuppressWarnings("unchecked")
    void downsamplingKeepsTheOnePeakAmongAMillionEvents() {
        int n = 1_000_000;
        TimelineRecorder r = new TimelineRecorder("t", 0, n, "event", 100, 5);
        r.accept(TimelineEvent.builder(TimelineEvent.Kind.HEAP_ALLOCATED).pool("PRIVATE_LARGE").heapId(1)
                .alignedSize(1 << 30).totalReserved(1 << 30).build());
        long inUse = 0;
        for (int i = 0; i < n; i++) {
            r.at(i);
            long size = i == 777_777 ? 512L << 20 : 4096;
            inUse += size;
            r.accept(buffer(TimelineEvent.Kind.BUFFER_ALLOCATED, "heapscope", 1, size, inUse));
            inUse -= size;
            r.accept(buffer(TimelineEvent.Kind.BUFFER_FREED, "heapscope", 1, size, inUse));
        }
        Map<String, Object> run = r.finish(Map.of());
        long[] pool = ((Map<String, long[]>) run.get("pools")).get("PRIVATE_LARGE");
        assertEquals(100, pool.length, "100 columns for a million events");
        long max = 0;
        for (long v : pool) {
            max = Math.max(max, v);
        }
        assertEquals(512L << 20, max, "the single 512 MiB moment survives downsampling");
        assertEquals(512L << 20, r.peakInUse());
        double[] xs = (double[]) run.get("x");
        assertEquals(777_777, xs[77], 0.0, "the column's x is the moment of its peak");
        assertEquals(6, ((List<?>) run.get("snapshots")).size(), "5 evenly spaced + end");
    }

    @Test
    @SuppressWarnings("unchecked")
    void frameworkEventsGcAndPressure() {
        TimelineRecorder r = new TimelineRecorder("t", 0, 10, "ms", 10, 0);
        r.at(1);
        r.accept(buffer(TimelineEvent.Kind.BUFFER_ALLOCATED, "jdk.direct", 1, 1000, 0));
        r.at(2);
        r.accept(buffer(TimelineEvent.Kind.BUFFER_ALLOCATED, "netty", 2, 500, 0));
        r.at(3);
        r.accept(TimelineEvent.builder(TimelineEvent.Kind.MEMORY_PRESSURE).pool("PRIVATE_LARGE").pressure(true)
                .targetBytes(777).build());
        r.at(4);
        r.accept(TimelineEvent.builder(TimelineEvent.Kind.GARBAGE_COLLECTION).pool("PRIVATE_LARGE").count(3)
                .reclaimedBytes(3 << 20).build());
        r.at(6);
        r.accept(TimelineEvent.builder(TimelineEvent.Kind.MEMORY_PRESSURE).pool("PRIVATE_LARGE").pressure(false).build());
        r.at(7);
        r.accept(buffer(TimelineEvent.Kind.BUFFER_RELEASED, "jdk.direct", 1, 1000, 0));
        Map<String, Object> run = r.finish(Map.of());
        Map<String, long[]> fw = (Map<String, long[]>) run.get("frameworks");
        assertEquals(List.of("jdk.direct", "netty"), List.copyOf(fw.keySet()));
        long[] direct = fw.get("jdk.direct");
        assertEquals(1000, direct[1], "live at t=2: column 2");
        assertEquals(0, direct[direct.length - 1], "released at t=7");
        assertEquals(500, fw.get("netty")[fw.get("netty").length - 1]);
        List<double[]> pressure = (List<double[]>) run.get("pressure");
        assertEquals(1, pressure.size());
        assertEquals(3.0, pressure.getFirst()[0]);
        assertEquals(6.0, pressure.getFirst()[1]);
        assertEquals(777L, run.get("lowWatermark"));
        assertEquals(1L, run.get("gcCount"));
        assertTrue(r.poolTotals().containsKey("framework:netty"));
    }
}

package io.heapscope.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The docs' tables are made from JMH's JSON result file: parse it, lay it out, compute the ratios. */
class JmhTableTest {
    private static final String JSON = """
            [ {"jmhVersion":"1.37","benchmark":"io.heapscope.bench.jmh.CudaBenchmark.cudaAllocatorPair","mode":"avgt",
               "params":{"size":"4096"},
               "primaryMetric":{"score":60.0,"scoreError":3.25,"scoreConfidence":[56.75,63.25],"scoreUnit":"ns/op",
                                "rawData":[[59.0,61.0]]},"secondaryMetrics":{}},
              {"benchmark":"io.heapscope.bench.jmh.CudaBenchmark.hostAllocatorPair","params":{"size":"4096"},
               "primaryMetric":{"score":48.0,"scoreError":1.0,"scoreUnit":"ns/op"}},
              {"benchmark":"io.heapscope.bench.jmh.CudaBenchmark.rawDriverPair","params":{"size":"4096"},
               "primaryMetric":{"score":64000.5,"scoreError":2000,"scoreUnit":"ns/op"}} ]
            """;

    @Test
    void readsTheResultsAndMakesTheTableWithRatios() {
        List<JmhTable.Result> rs = JmhTable.read(JSON);
        assertEquals(3, rs.size());
        assertEquals("cudaAllocatorPair", rs.get(0).method());
        assertEquals("CudaBenchmark", rs.get(0).benchmarkClass());
        assertEquals("4096", rs.get(0).params().get("size"));
        assertEquals(3.25, rs.get(0).error());
        String t = JmhTable.table(rs, List.of("cudaAllocatorPair/hostAllocatorPair", "rawDriverPair/cudaAllocatorPair"));
        assertEquals("""
                | size | cudaAllocatorPair | hostAllocatorPair | rawDriverPair | cudaAllocatorPair/hostAllocatorPair | rawDriverPair/cudaAllocatorPair |
                |---|---|---|---|---|---|
                | 4096 | 60.0 ± 3.3 ns/op | 48.0 ± 1.0 ns/op | 64,001 ± 2,000 ns/op | 1.25× | 1066.68× |
                """, t);
    }

    @Test
    void rejectsWhatIsNotAResultFile() {
        assertThrows(IllegalArgumentException.class, () -> JmhTable.read("{\"a\": 1}"));
        assertThrows(IllegalArgumentException.class, () -> JmhTable.table(JmhTable.read(JSON), List.of("x")));
    }
}

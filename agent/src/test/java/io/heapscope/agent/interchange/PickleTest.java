package io.heapscope.agent.interchange;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PickleTest {

    static byte[] resource(String name) throws Exception {
        try (InputStream in = PickleTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsAPickleWrittenByCPython() throws Exception {
        // written by scripts/make-test-snapshot.py with pickle.dump (protocol 4: frames, memo, tuples)
        Map<?, ?> snap = (Map<?, ?>) Pickle.read(resource("synthetic-snapshot.pickle"));
        assertEquals(List.of("segments", "device_traces", "allocator_settings", "external_annotations"),
                new ArrayList<>(snap.keySet()));
        List<?> segs = (List<?>) snap.get("segments");
        List<?> trace = (List<?>) ((List<?>) snap.get("device_traces")).getFirst();
        assertEquals(67, segs.size());
        assertEquals(1929, trace.size());
        Map<?, ?> seg = (Map<?, ?>) segs.getFirst();
        assertEquals(List.of(0L, 0L), seg.get("segment_pool_id"));
        assertEquals(Boolean.FALSE, seg.get("is_expandable"));
        long tiled = 0;
        for (Object b : (List<?>) seg.get("blocks")) {
            tiled += (Long) ((Map<?, ?>) b).get("size");
        }
        assertEquals(seg.get("total_size"), tiled);
        Map<?, ?> oom = (Map<?, ?>) trace.getLast();
        assertEquals("oom", oom.get("action"));
        assertEquals(12L << 20, oom.get("device_free"));
        // memoized frames: the same dicts are shared via BINGET
        Map<?, ?> firstAlloc = (Map<?, ?>) trace.stream().filter(e -> "alloc".equals(((Map<?, ?>) e).get("action")))
                .findFirst().orElseThrow();
        Map<?, ?> frame = (Map<?, ?>) ((List<?>) firstAlloc.get("frames")).getFirst();
        assertInstanceOf(String.class, frame.get("filename"));
        assertInstanceOf(Long.class, frame.get("line"));
    }

    @Test
    void roundTripsPlainData() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("small", 7L);
        m.put("neg", -70000L);
        m.put("addr", 140313502941184L);
        m.put("huge", new BigInteger("123456789012345678901234567890"));
        m.put("min", Long.MIN_VALUE);
        m.put("f", 1.5);
        m.put("s", "ünïcode " + "x".repeat(300));
        m.put("t", true);
        m.put("n", null);
        List<Object> big = new ArrayList<>();
        for (long i = 0; i < 2500; i++) {
            big.add(i * 1000);
        }
        m.put("list", big);
        m.put("tuple", new Pickle.Tuple(List.of(0L, 1L)));
        Map<?, ?> back = (Map<?, ?>) Pickle.read(Pickle.write(m));
        for (String k : List.of("small", "neg", "addr", "huge", "min", "f", "s", "t", "n", "list")) {
            assertEquals(m.get(k), back.get(k), k);
        }
        assertEquals(List.of(0L, 1L), back.get("tuple"));
    }

    @Test
    void malformedPicklesNameTheByteOffset() {
        byte[] ok = Pickle.write(Map.of("a", List.of(1L, 2L)));
        byte[] truncated = java.util.Arrays.copyOf(ok, ok.length - 3);
        Pickle.PickleException e = assertThrows(Pickle.PickleException.class, () -> Pickle.read(truncated));
        assertTrue(e.getMessage().startsWith("byte "), e.getMessage());
        // a class reference (GLOBAL) is refused, not executed
        byte[] global = "\u0080\u0002cos\nsystem\nq\u0000.".getBytes(StandardCharsets.ISO_8859_1);
        Pickle.PickleException g = assertThrows(Pickle.PickleException.class, () -> Pickle.read(global));
        assertEquals(2, g.offset());
        assertTrue(g.getMessage().contains("unsupported pickle opcode 0x63"), g.getMessage());
    }

    @Test
    void cpythonReadsWhatWeWrite() throws Exception {
        assumeTrue(python3() != null, "python3 not on PATH: the CPython cross-check needs it");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("addr", 140313502941184L);
        m.put("neg", -5L);
        m.put("s", "frame.py");
        m.put("l", List.of(1L, 300L, 70000L, 1.25, true));
        m.put("pool", new Pickle.Tuple(List.of(0L, 0L)));
        Path f = Files.createTempFile("hs", ".pickle");
        Files.write(f, Pickle.write(m));
        Process p = new ProcessBuilder(python3(), "-c", "import pickle,sys; d=pickle.load(open(sys.argv[1],'rb')); "
                + "print(repr(sorted(d.items())))", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("[('addr', 140313502941184), ('l', [1, 300, 70000, 1.25, True]), ('neg', -5), "
                + "('pool', (0, 0)), ('s', 'frame.py')]", out);
    }

    static String python3() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "python3");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}

package io.heapscope.agent;

import io.heapscope.agent.events.JfrAgentSink;
import io.heapscope.agent.report.RecordingReport;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.heapscope.agent.Child.AGENT;
import static io.heapscope.agent.Child.allocations;
import static io.heapscope.agent.Child.bytes;
import static io.heapscope.agent.Child.events;
import static io.heapscope.agent.Child.frees;
import static io.heapscope.agent.Child.of;
import static io.heapscope.agent.Child.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exactness against the frameworks' own counters, in child JVMs running the real libraries with their defaults. */
class FrameworksIT {
    @TempDir
    Path dir;

    /**
     * Netty's allocators, each in its default configuration, on the latest 4.1 and 4.2: the agent's live Netty
     * memory equals the allocator's own {@code usedDirectMemory}, every buffer is one pooled allocation, every release
     * one pooled free, and the memory Netty took through a lower layer is not counted again under that layer.
     */
    @ParameterizedTest(name = "Netty {0} {1}")
    @CsvSource({"4.2, default", "4.2, pooled", "4.1, default", "4.1, adaptive", "4.2, unpooled"})
    void nettyCountsEqualNettysOwn(String version, String mode) throws Exception {
        Path jfr = dir.resolve("netty.jfr");
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=sinks=jfr,jfr.file=" + jfr), Child.netty(version),
                NettyWorkload.class.getName(), mode);
        assertEquals(0, r.exit(), r.out());
        long buffers = Long.parseLong(r.line("buffers"));
        long live = Long.parseLong(r.line("live"));
        long used = Long.parseLong(r.line("used"));
        if (mode.equals("default")) {
            assertEquals(version.equals("4.2") ? "io.netty.buffer.AdaptiveByteBufAllocator"
                    : "io.netty.buffer.PooledByteBufAllocator", r.line("allocator"), "the version's default allocator");
        }
        List<RecordedEvent> chunks = allocations(jfr, "netty");
        List<RecordedEvent> chunkFrees = frees(jfr, "netty");
        assertEquals(used, bytes(chunks) - bytes(chunkFrees), "live Netty memory = Netty's usedDirectMemory");
        if (mode.equals("unpooled")) {
            assertEquals(buffers, chunks.size());
            assertEquals(buffers - live, chunkFrees.size());
        } else {
            assertEquals(buffers, of(events(jfr, JfrAgentSink.POOLED_ALLOCATION), "netty").size());
            assertEquals(buffers - live, of(events(jfr, JfrAgentSink.POOLED_FREE), "netty").size());
            assertTrue(chunks.size() >= NettyWorkload.LARGE, "the large buffers each needed memory of their own");
            assertTrue(chunkFrees.size() >= NettyWorkload.LARGE, "the large buffers' memory went back");
            long fresh = events(jfr, JfrAgentSink.POOLED_ALLOCATION).stream().filter(e -> e.getBoolean("newChunk")).count();
            assertTrue(fresh >= NettyWorkload.LARGE && fresh <= chunks.size(), "fresh " + fresh);
            if (r.line("allocator").contains("Adaptive")) {
                assertTrue(of(events(jfr, JfrAgentSink.CHUNK_REUSE), "netty").size() > 0,
                        "emptied chunks were taken back into magazines");
            }
        }
        // below Netty: jdk.direct (4.1's cleaner), or malloc (4.2 calls malloc through an FFM downcall when native
        // access is enabled, as here); ffm at most once, for a segment Netty's first allocation made on the way
        Set<String> mechanisms = chunks.stream().map(e -> e.getString("mechanism")).collect(Collectors.toSet());
        assertTrue(Set.of("malloc", "ffm", "unsafe", "jdk.direct").containsAll(mechanisms),
                "known mechanisms, none empty: " + mechanisms);
        if (version.equals("4.1")) {
            assertEquals(Set.of("jdk.direct"), mechanisms, "Netty 4.1 allocates through ByteBuffer.allocateDirect");
        } else {
            assertTrue(mechanisms.contains("malloc"), "Netty 4.2 allocates through malloc: " + mechanisms);
        }
        for (String inner : List.of("ffm", "unsafe", "jdk.direct", "malloc")) {
            assertTrue(bytes(allocations(jfr, inner)) < 4096,
                    "Netty's memory is not counted again under " + inner + ": " + bytes(allocations(jfr, inner)));
        }
        for (RecordedEvent e : chunks) {
            String top = e.getStackTrace().getFrames().getFirst().getMethod().getType().getName();
            assertTrue(top.startsWith("io.netty.buffer."), "first frame is the hooked Netty method: " + top);
        }
        assertTrue(chunks.stream().noneMatch(e -> e.getLong("size") == 0), "zero-byte buffers are no events");
    }

    /**
     * {@code FileChannel.map} in both forms and a Lucene {@code MMapDirectory}: the live mappings the agent saw equal
     * the JDK's {@code BufferPoolMXBean "mapped"} count and capacity, each with its file.
     */
    @Test
    void mappedFilesEqualTheJdksMappedPool() throws Exception {
        Path jfr = dir.resolve("mapped.jfr");
        Path work = dir.resolve("work");
        java.nio.file.Files.createDirectories(work);
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=sinks=jfr,jfr.file=" + jfr), Child.jars("lucene"),
                MappedWorkload.class.getName(), work.toString());
        assertEquals(0, r.exit(), r.out());
        List<RecordedEvent> maps = events(jfr, JfrAgentSink.MAPPING);
        List<RecordedEvent> unmaps = events(jfr, JfrAgentSink.UNMAPPING);
        assertEquals(1, maps.stream().filter(e -> e.getLong("size") == MappedWorkload.BUFFER_SIZE).count());
        assertEquals(2, maps.stream().filter(e -> e.getLong("size") == MappedWorkload.SEGMENT_SIZE).count());
        assertEquals(2, unmaps.stream().filter(e -> e.getLong("size") == MappedWorkload.SEGMENT_SIZE).count(),
                "the arena's close unmapped both segments");
        assertTrue(maps.stream().allMatch(e -> !e.getString("file").isEmpty()), "every mapping names its file");
        assertTrue(maps.stream().anyMatch(e -> e.getString("file").endsWith("data.bin")));
        assertTrue(unmaps.stream().filter(e -> e.getLong("size") == MappedWorkload.SEGMENT_SIZE)
                .allMatch(e -> e.getString("file").endsWith("data.bin")), "unmappings name their file");
        // the JDK's own pool while Lucene's reader was open, against the agent's live mappings at that moment
        String[] before = r.line("buffer-mapped").split(" ");
        assertEquals(1, Long.parseLong(before[0]), "only the buffer mapping is live after the arena closed");
        assertEquals(MappedWorkload.BUFFER_SIZE, Long.parseLong(before[1]));
        java.time.Instant marker = allocations(jfr, "jdk.direct").stream()
                .filter(e -> e.getLong("size") == MappedWorkload.MARKER).findFirst().orElseThrow().getStartTime();
        List<RecordedEvent> indexMaps = maps.stream().filter(e -> e.getString("file").contains("index")).toList();
        List<RecordedEvent> indexUnmaps = unmaps.stream().filter(e -> e.getString("file").contains("index")).toList();
        long liveCount = indexMaps.stream().filter(e -> e.getStartTime().isBefore(marker)).count()
                - indexUnmaps.stream().filter(e -> e.getStartTime().isBefore(marker)).count();
        long liveBytes = bytes(indexMaps.stream().filter(e -> e.getStartTime().isBefore(marker)).toList())
                - bytes(indexUnmaps.stream().filter(e -> e.getStartTime().isBefore(marker)).toList());
        String[] pool = r.line("mapped").split(" ");
        assertTrue(liveCount >= 3, "Lucene keeps its index files mapped: " + liveCount);
        assertEquals(Long.parseLong(pool[0]) - 1, liveCount, "the JDK's live mappings, less the still-reachable buffer");
        assertEquals(Long.parseLong(pool[1]) - MappedWorkload.BUFFER_SIZE, liveBytes, "and their bytes");
        assertEquals(indexMaps.size(), indexUnmaps.size(), "closing the reader and directory unmapped every Lucene mapping");
        for (RecordedEvent e : maps) {
            String top = e.getStackTrace().getFrames().getFirst().getMethod().getType().getName();
            assertTrue(top.startsWith("sun.nio.ch.FileChannelImpl"), "first frame is the hooked JDK method: " + top);
        }
    }

    /** JavaCPP: the agent's live javacpp memory and count equal JavaCPP's own {@code Pointer.totalBytes/totalCount}. */
    @Test
    void javacppCountsEqualJavacppsOwn() throws Exception {
        Path jfr = dir.resolve("javacpp.jfr");
        Child.Run r = run(List.of("-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("javacpp-cache"),
                        "-javaagent:" + AGENT + "=sinks=jfr,jfr.file=" + jfr), Child.jars("javacpp"),
                BindingsWorkload.class.getName(), "javacpp");
        assertEquals(0, r.exit(), r.out());
        List<RecordedEvent> alloc = allocations(jfr, "javacpp");
        List<RecordedEvent> freed = frees(jfr, "javacpp");
        assertEquals(Long.parseLong(r.line("totalBytes")), bytes(alloc) - bytes(freed), "live bytes = Pointer.totalBytes()");
        assertEquals(Long.parseLong(r.line("totalCount")), alloc.size() - freed.size(), "live count = Pointer.totalCount()");
        assertTrue(alloc.size() >= 111, "every pointer: " + alloc.size());
        assertEquals(1, alloc.stream().filter(e -> e.getLong("size") == 1050).count(), "new BytePointer(1050)");
        assertEquals(1, freed.stream().filter(e -> e.getLong("size") == 64 * 8).count(), "the deallocated DoublePointer(64)");
        String top = alloc.getFirst().getStackTrace().getFrames().getFirst().getMethod().getType().getName();
        assertTrue(top.startsWith("org.bytedeco.javacpp.Pointer"), "first frame is the hooked JavaCPP method: " + top);
    }

    /** LWJGL MemoryUtil in every form: allocations and live memory equal what the workload requested and kept. */
    @Test
    void lwjglMemoryUtilIsCountedExactly() throws Exception {
        Path jfr = dir.resolve("lwjgl.jfr");
        Child.Run r = run(List.of("-Dorg.lwjgl.system.SharedLibraryExtractPath=" + dir.resolve("lwjgl-natives"),
                        "-javaagent:" + AGENT + "=sinks=jfr,jfr.file=" + jfr), Child.jars("lwjgl"),
                BindingsWorkload.class.getName(), "lwjgl");
        assertEquals(0, r.exit(), r.out());
        String[] allocated = r.line("allocated").split(" ");
        String[] live = r.line("live").split(" ");
        List<RecordedEvent> alloc = allocations(jfr, "lwjgl");
        List<RecordedEvent> freed = frees(jfr, "lwjgl");
        assertEquals(Long.parseLong(allocated[0]), alloc.size(), "one event per allocation, nested calls once");
        assertEquals(Long.parseLong(allocated[1]), bytes(alloc));
        assertEquals(Long.parseLong(live[0]), alloc.size() - freed.size());
        assertEquals(Long.parseLong(live[1]), bytes(alloc) - bytes(freed), "frees sized from the address map");
        assertTrue(alloc.stream().allMatch(e -> e.getLong("address") != 0));
        assertTrue(allocations(jfr, "unsafe").stream().noneMatch(e -> e.getLong("size") == 4444), "not counted twice");
    }

    /** A million live Unsafe blocks under -Xmx48m: the agent's address map lives off-heap; every free is matched. */
    @Test
    void aMillionLiveUnsafeBlocksInASmallHeap() throws Exception {
        Path jfr = dir.resolve("flood.jfr");
        long start = System.nanoTime();
        Child.Run r = run(List.of("-Xmx48m", "-Xlog:gc:file=" + dir.resolve("gc.log"),
                        "-javaagent:" + AGENT + "=hooks=unsafe,sinks=jfr,stacks=false,jfr.file=" + jfr), "",
                UnsafeFloodWorkload.class.getName());
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(0, r.exit(), r.out());
        assertTrue(seconds < 90, "finished in " + seconds + " s");
        long fullGcs = java.nio.file.Files.readAllLines(dir.resolve("gc.log")).stream().filter(l -> l.contains("Pause Full")).count();
        assertTrue(fullGcs < 5, "full GCs: " + fullGcs);
        List<RecordedEvent> alloc = of(events(jfr, JfrAgentSink.ALLOCATION), "unsafe").stream()
                .filter(e -> e.getLong("size") == UnsafeFloodWorkload.SIZE).toList();
        List<RecordedEvent> freed = of(events(jfr, JfrAgentSink.FREE), "unsafe").stream()
                .filter(e -> e.getLong("size") == UnsafeFloodWorkload.SIZE).toList();
        assertEquals(UnsafeFloodWorkload.LIVE, alloc.size());
        assertEquals(UnsafeFloodWorkload.LIVE, freed.size(), "every free found its size in the map");
    }

    /** The report names the known leak: its site (first application frame, with the line), live count and bytes. */
    @Test
    void theReportNamesTheLeak() throws Exception {
        Path jfr = dir.resolve("leak.jfr");
        Child.Run r = run(List.of("-javaagent:" + AGENT + "=hooks=direct,sinks=jfr,jfr.file=" + jfr), "",
                LeakWorkload.class.getName());
        assertEquals(0, r.exit(), r.out());
        RecordingReport report = RecordingReport.read(jfr);
        RecordingReport.Site top = report.leakCandidates().getFirst();
        assertEquals(LeakWorkload.class.getName() + ".leak(LeakWorkload.java:" + LeakWorkload.LEAK_LINE + ")", top.site(),
                report.toText());
        assertEquals(LeakWorkload.LEAKS, top.liveCount());
        assertEquals((long) LeakWorkload.LEAKS * LeakWorkload.LEAK_SIZE, top.liveBytes());
        assertTrue(report.leakCandidates().stream().noneMatch(s -> s.site().contains(".churn(")),
                "freed buffers are no candidates: " + report.toText());
        RecordingReport.Framework direct = report.frameworks().get("jdk.direct");
        assertTrue(direct.liveBytes() >= top.liveBytes() && direct.peakBytes() >= direct.liveBytes(), report.toText());
        assertTrue(direct.allocatedBytesPerSecond() > 0, report.toText());
        Child.Run json = run(List.of(), "", Main.class.getName(), "report", jfr.toString(), "--json");
        assertEquals(0, json.exit(), json.out());
        assertTrue(json.out().contains("\"site\": \"" + top.site() + "\""), json.out());
        assertTrue(json.out().contains("\"liveBytes\": " + top.liveBytes()), json.out());
    }
}

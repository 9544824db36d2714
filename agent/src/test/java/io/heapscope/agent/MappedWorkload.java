package io.heapscope.agent;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.MMapDirectory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Child-JVM workload: {@code FileChannel.map} in both forms (a buffer, and segments in an arena that is then closed),
 * then a Lucene index in an {@code MMapDirectory} (default settings) opened with a reader held open. Prints the JDK's
 * own count and capacity of mapped memory ({@code BufferPoolMXBean "mapped"}) while the reader is open: "mapped N
 * BYTES", then "done".
 */
public final class MappedWorkload {
    public static final long BUFFER_SIZE = 40_961;
    public static final long SEGMENT_SIZE = 12_289;
    public static final int MARKER = 7_777;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path file = dir.resolve("data.bin");
        Files.write(file, new byte[100_000]);
        long sum = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, BUFFER_SIZE);
            b.put(0, (byte) 1);
            sum += b.get(0);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment s1 = ch.map(FileChannel.MapMode.READ_ONLY, 0, SEGMENT_SIZE, arena);
                MemorySegment s2 = ch.map(FileChannel.MapMode.READ_ONLY, 4096, SEGMENT_SIZE, arena);
                sum += s1.byteSize() + s2.byteSize();
            }
            System.out.println("buffer-mapped " + pool().getCount() + " " + pool().getTotalCapacity());
            sum += b.capacity(); // the buffer stays mapped (reachable) to here
        }
        Path index = dir.resolve("index");
        try (MMapDirectory d = new MMapDirectory(index)) {
            try (IndexWriter w = new IndexWriter(d, new IndexWriterConfig())) {
                for (int i = 0; i < 200; i++) {
                    Document doc = new Document();
                    doc.add(new TextField("body", "heapscope mapped memory document " + i, Field.Store.YES));
                    w.addDocument(doc);
                    if (i % 50 == 49) {
                        w.commit(); // several segments, several files
                    }
                }
            }
            try (DirectoryReader r = DirectoryReader.open(d)) {
                sum += r.numDocs();
                BufferPoolMXBean p = pool();
                System.out.println("mapped " + p.getCount() + " " + p.getTotalCapacity());
                sum += java.nio.ByteBuffer.allocateDirect(MARKER).capacity(); // when the pool was read, in the recording
            }
        }
        System.out.println("done " + sum);
    }

    static BufferPoolMXBean pool() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("mapped")).findFirst().orElseThrow();
    }
}

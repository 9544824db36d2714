package io.heapscope.bench.replay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed traces fail with the file, line and seq named, never silently. */
class TraceReaderTest {
    private static final String HEADER = "# test\nseq,time_us,action,addr,size,stream,site\n";

    @TempDir
    Path dir;

    private Path write(String name, String body) throws IOException {
        return Files.writeString(dir.resolve(name), HEADER + body);
    }

    private static String failure(Path file) {
        return assertThrows(IOException.class, () -> TraceReader.read(file)).getMessage();
    }

    @Test
    void aWellFormedTraceReadsItsReplayedActions() throws IOException {
        Path ok = write("ok.csv", "1,0,segment_alloc,100,2097152,0,\n2,1,alloc,100,512,0,\n3,2,free_requested,100,512,0,\n"
                + "4,3,free_completed,100,512,0,\n");
        assertEquals(2, TraceReader.read(ok).size());
    }

    @Test
    void malformedLinesNameFileLineAndSeq() throws IOException {
        Path shortLine = write("short.csv", "1,0,alloc,100,512,0,\n2,1,alloc\n");
        String m = failure(shortLine);
        assertTrue(m.contains("short.csv:4") && m.contains("columns"), m);
        Path badNumber = write("number.csv", "1,0,alloc,100,512,0,\n7,1,alloc,0x10,512,0,\n");
        m = failure(badNumber);
        assertTrue(m.contains("number.csv:4") && m.contains("seq 7"), m);
        Path badSize = write("size.csv", "9,1,alloc,100,-512,0,\n");
        m = failure(badSize);
        assertTrue(m.contains("size.csv:3") && m.contains("seq 9") && m.contains("-512"), m);
        Path unknown = write("unknown.csv", "11,1,realloc,100,512,0,\n");
        m = failure(unknown);
        assertTrue(m.contains("unknown.csv:3") && m.contains("seq 11") && m.contains("'realloc'"), m);
    }

    @Test
    void aTruncatedGzipNamesTheFileAndWhereItStopped() throws IOException {
        StringBuilder sb = new StringBuilder(HEADER);
        for (int i = 1; i <= 5000; i++) {
            sb.append(i).append(",0,alloc,").append(4096L * i).append(",512,0,\n");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
        }
        byte[] all = bytes.toByteArray();
        Path cut = Files.write(dir.resolve("cut.trace.csv.gz"), Arrays.copyOf(all, all.length / 2));
        String m = failure(cut);
        assertTrue(m.contains("cut.trace.csv.gz") && m.contains("ends early"), m);
    }
}

package io.heapscope.bench.jmh;

import jdk.jfr.Recording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A JFR recording of some event types to a temporary file, for the length of a benchmark trial; closing deletes it. */
final class BenchRecording implements AutoCloseable {
    private final Recording recording = new Recording();
    private final Path file;

    private BenchRecording(boolean stacks, String... types) throws IOException {
        file = Files.createTempFile("heapscope-bench", ".jfr");
        for (String t : types) {
            if (stacks) {
                recording.enable(t).withStackTrace();
            } else {
                recording.enable(t).withoutStackTrace();
            }
        }
        recording.setToDisk(true);
        recording.setDestination(file);
        recording.start();
    }

    /** Starts recording these event types, with or without stack traces. */
    static BenchRecording start(boolean stacks, String... types) throws IOException {
        return new BenchRecording(stacks, types);
    }

    @Override
    public void close() throws IOException {
        recording.stop();
        recording.close();
        Files.deleteIfExists(file);
    }
}

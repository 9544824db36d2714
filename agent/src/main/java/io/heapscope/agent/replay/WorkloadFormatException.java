package io.heapscope.agent.replay;

import java.io.IOException;
import java.nio.file.Path;

/** A workload file that cannot be read: names the file and the position (line, or byte offset) of the problem. */
public final class WorkloadFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public WorkloadFormatException(Path file, String position, String message) {
        super(file + ":" + position + ": " + message);
    }

    public WorkloadFormatException(Path file, String position, String message, Throwable cause) {
        super(file + ":" + position + ": " + message, cause);
    }
}

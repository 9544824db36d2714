package io.heapscope.telemetry;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.backend.host.HostDevice;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain application as a user writes it: an allocator from {@code HeapAllocator.create} (flags from
 * HEAPSCOPE_DEBUG_ALLOCATOR, default telemetry), no recording of its own. Run by {@link UserRecordingTest} under the
 * user's own {@code -XX:StartFlightRecording} or {@code jcmd JFR.start}. Arguments: a file it creates once the
 * allocator exists (so a test can attach), a file whose appearance lets it proceed, then it runs the workload.
 */
public final class UserRecordingProgram {
    public static void main(String[] args) throws Exception {
        Path ready = Path.of(args[0]);
        Path go = Path.of(args[1]);
        try (HostDevice d = HostDevice.builder().capacity(2L << 30).build(); HeapAllocator a = HeapAllocator.create(d)) {
            Files.writeString(ready, Long.toString(ProcessHandle.current().pid()));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(go) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Workload.run(a);
            a.free(a.malloc(5 << 20, true));
        }
    }
}

package io.heapscope.agent.interchange;

import io.heapscope.agent.replay.Workload;
import io.heapscope.agent.replay.WorkloadFormatException;
import io.heapscope.agent.replay.WorkloadReader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code export --memory-viz OUT.pickle FILE}: a workload as a snapshot PyTorch's memory tools read. */
public final class ExportCommand {
    private ExportCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args.length != 4 || !args[1].equals("--memory-viz")) {
            err.println("heapscope: usage: export --memory-viz OUT.pickle FILE.jfr|TRACE");
            return 2;
        }
        Workload w;
        try {
            w = WorkloadReader.read(Path.of(args[3]));
        } catch (WorkloadFormatException e) {
            err.println("heapscope export: " + e.getMessage());
            return 2;
        }
        Map<String, Object> snap = MemoryVizExport.snapshot(w);
        Path target = Path.of(args[2]);
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(target, Pickle.write(snap));
        List<?> trace = (List<?>) ((List<?>) snap.get("device_traces")).getFirst();
        out.printf("%s: %d segments, %d trace entries (from %s, %s)%n", target,
                ((List<?>) snap.get("segments")).size(), trace.size(), args[3], w.format());
        return 0;
    }
}

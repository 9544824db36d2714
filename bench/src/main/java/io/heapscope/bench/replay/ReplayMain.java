package io.heapscope.bench.replay;

import io.heapscope.allocator.AllocationPolicy;
import io.heapscope.allocator.AllocatorConfig;
import io.heapscope.allocator.HeapAllocator;
import io.heapscope.backend.Backends;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Command line: {@code TraceReplay [TRACE|DIR]...} replays each trace (a directory means every
 * {@code *.trace.csv[.gz]} in it; default {@code ../shared/traces}) on a fresh allocator over the device chosen by
 * {@code heapscope.backend} (default auto) and prints a JSON array of results.
 */
public final class ReplayMain {
    private ReplayMain() {
    }

    public static void main(String[] args) throws IOException {
        List<Path> traces = new ArrayList<>();
        List<String> inputs = args.length == 0
                ? List.of(System.getProperty("heapscope.traces", "../shared/traces")) : List.of(args);
        for (String a : inputs) {
            Path p = Path.of(a);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().matches(".*\\.trace\\.csv(\\.gz)?")).sorted()
                            .forEach(traces::add);
                }
            } else if (Files.isRegularFile(p)) {
                traces.add(p);
            } else {
                System.err.println("heapscope replay: no trace file or directory at " + p.toAbsolutePath());
                System.exit(2);
            }
        }
        if (traces.isEmpty()) {
            System.err.println("heapscope replay: no *.trace.csv[.gz] found in " + inputs);
            System.exit(2);
        }
        StringBuilder out = new StringBuilder("[\n");
        for (int i = 0; i < traces.size(); i++) {
            Path trace = traces.get(i);
            List<TraceEvent> events = TraceReader.read(trace);
            Backends.SelectedDevice selected = Backends.open();
            try (var device = selected.device();
                 HeapAllocator allocator = HeapAllocator.builder(device).config(AllocatorConfig.fromSystem())
                         .policy(AllocationPolicy.fromSystem())
                         .deviceSelectionReason(selected.reason()).build()) {
                ReplayResult r = TraceReplay.replay(TraceReplay.nameOf(trace), events, allocator,
                        TraceReplay.pytorchSummary(trace));
                out.append(r.toJson().indent(2).stripTrailing()).append(i + 1 < traces.size() ? ",\n" : "\n");
            }
        }
        System.out.println(out.append("]"));
    }
}

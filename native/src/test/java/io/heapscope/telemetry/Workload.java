package io.heapscope.telemetry;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;

import java.util.ArrayList;
import java.util.List;

/** A deterministic allocator workload touching small and large pools, reuse, frees and releases. */
final class Workload {
    private Workload() {
    }

    static void run(HeapAllocator a) {
        List<MpsBuffer> held = new ArrayList<>();
        long[] sizes = {100, 4096, 65536, 700_000, 3 << 20, 12 << 20, 40 << 20};
        for (int round = 0; round < 3; round++) {
            for (long s : sizes) {
                held.add(a.malloc(s + round, round % 2 == 0));
            }
            for (int i = held.size() - 1; i >= 0; i -= 2) {
                a.free(held.remove(i));
            }
        }
        held.forEach(a::free);
        a.emptyCache();
    }
}

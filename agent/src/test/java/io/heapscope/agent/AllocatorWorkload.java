package io.heapscope.agent;

import io.heapscope.allocator.HeapAllocator;
import io.heapscope.allocator.MpsBuffer;
import io.heapscope.backend.host.HostDevice;

/** Child-JVM workload: the Heapscope allocator on the host backend, created SILENT; the agent turns its flags on. */
public final class AllocatorWorkload {
    public static void main(String[] args) {
        try (HostDevice d = HostDevice.builder().capacity(1L << 30).build();
             HeapAllocator a = HeapAllocator.builder(d).sinks(java.util.Set.of()).build()) {
            for (int i = 0; i < 5; i++) {
                MpsBuffer b = a.malloc(1 << 20, false);
                a.free(b);
            }
            a.emptyCache();
            var s = a.stats();
            System.out.println("stats " + s.buffersAllocated() + " " + s.buffersRecycled() + " " + s.buffersFreed()
                    + " " + s.buffersReleased() + " " + s.heapsAllocated() + " " + s.heapsReleased());
        }
    }
}

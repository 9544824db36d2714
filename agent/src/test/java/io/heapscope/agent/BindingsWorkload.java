package io.heapscope.agent;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.lwjgl.system.MemoryUtil;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM workload on native bindings with their default configuration. {@code javacpp}: pointers closed, freed
 * explicitly and kept live; prints JavaCPP's own "totalBytes N" and "totalCount N". {@code lwjgl}: MemoryUtil
 * allocations of every kind (alloc, calloc, realloc, aligned, n*), some freed; prints what it requested: "allocated
 * COUNT BYTES" and "live COUNT BYTES".
 */
public final class BindingsWorkload {
    public static void main(String[] args) {
        long sum = 0;
        if (args[0].equals("javacpp")) {
            List<Pointer> live = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                try (BytePointer p = new BytePointer(1000 + i)) {
                    p.put(0, (byte) i);
                    sum += p.get(0);
                }
            }
            for (int i = 0; i < 10; i++) {
                live.add(new IntPointer(500 + i));
            }
            DoublePointer d = new DoublePointer(64);
            d.deallocate();
            System.out.println("totalBytes " + Pointer.totalBytes());
            System.out.println("totalCount " + Pointer.totalCount());
            sum += live.size();
        } else {
            long count = 0;
            long bytes = 0;
            long liveCount = 0;
            long liveBytes = 0;
            for (int i = 0; i < 100; i++) {
                ByteBuffer b = MemoryUtil.memAlloc(2000 + i);
                b.put(0, (byte) i);
                sum += b.get(0);
                MemoryUtil.memFree(b);
                count++;
                bytes += 2000 + i;
            }
            ByteBuffer c = MemoryUtil.memCalloc(10, 300); // 3000 bytes, zeroed
            count++;
            bytes += 3000;
            c = MemoryUtil.memRealloc(c, 7000); // frees the 3000, allocates 7000
            count++;
            bytes += 7000;
            IntBuffer ints = MemoryUtil.memAllocInt(256); // 1024 bytes, kept
            count++;
            bytes += 1024;
            long raw = MemoryUtil.nmemAlloc(4444); // kept
            count++;
            bytes += 4444;
            long aligned = MemoryUtil.nmemAlignedAlloc(64, 6400);
            count++;
            bytes += 6400;
            MemoryUtil.nmemAlignedFree(aligned);
            liveCount = 3; // c (7000), ints (1024), raw (4444)
            liveBytes = 7000 + 1024 + 4444;
            System.out.println("allocated " + count + " " + bytes);
            System.out.println("live " + liveCount + " " + liveBytes);
            sum += c.capacity() + ints.capacity() + raw % 2;
        }
        System.out.println("done " + sum);
    }
}

package io.heapscope.agent;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * Child-JVM workload on Netty with an allocator in its default configuration: {@code default}
 * ({@code ByteBufAllocator.DEFAULT}: adaptive on 4.2, pooled on 4.1), {@code adaptive}, {@code pooled} or
 * {@code unpooled}. Small buffers allocated and released 10,000 times, large ones (over any chunk) 10 times, 200
 * medium ones held at once and released, three rounds (so emptied chunks are reused), {@value #LIVE}
 * kept live to the end. Prints Netty's own figures: "buffers N", "live N", "used BYTES" (the allocator's
 * {@code usedDirectMemory}), then "done".
 */
public final class NettyWorkload {
    public static final int SMALL = 10_000;
    public static final int LARGE = 10;
    public static final int LIVE = 50;
    public static final int LIVE_SIZE = 3_000;
    public static final int ROUNDS = 3;
    public static final int HELD = 200;
    public static final int HELD_SIZE = 30_000;

    public static void main(String[] args) {
        ByteBufAllocator alloc = switch (args[0]) {
            case "default" -> ByteBufAllocator.DEFAULT;
            case "adaptive" -> new AdaptiveByteBufAllocator();
            case "pooled" -> new PooledByteBufAllocator(true);
            case "unpooled" -> new UnpooledByteBufAllocator(true);
            default -> throw new IllegalArgumentException(args[0]);
        };
        long sum = 0;
        for (int i = 0; i < SMALL; i++) {
            ByteBuf b = alloc.directBuffer(100);
            sum += b.writeInt(i).readInt();
            b.release();
        }
        for (int i = 0; i < LARGE; i++) {
            ByteBuf b = alloc.directBuffer(5 << 20);
            sum += b.capacity();
            b.release();
        }
        for (int round = 0; round < ROUNDS; round++) { // fill several chunks, empty them, fill again: chunks reused
            List<ByteBuf> held = new ArrayList<>();
            for (int i = 0; i < HELD; i++) {
                held.add(alloc.directBuffer(HELD_SIZE));
            }
            held.forEach(ByteBuf::release);
        }
        List<ByteBuf> live = new ArrayList<>();
        for (int i = 0; i < LIVE; i++) {
            live.add(alloc.directBuffer(LIVE_SIZE));
        }
        sum += Unpooled.buffer(0).capacity(); // a zero-byte heap buffer: no memory, no event
        System.out.println("allocator " + alloc.getClass().getName());
        System.out.println("buffers " + (SMALL + LARGE + ROUNDS * HELD + LIVE));
        System.out.println("live " + live.size());
        System.out.println("used " + ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory());
        System.out.println("done " + sum);
    }
}

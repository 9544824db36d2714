package io.heapscope.agent;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Child-JVM workload on Netty: pooled direct buffers (the first needs a new chunk, the next come from the thread
 * cache or the chunk) and unpooled direct and heap buffers.
 */
public final class NettyWorkload {
    public static void main(String[] args) {
        PooledByteBufAllocator pooled = new PooledByteBufAllocator(true);
        long sum = 0;
        ByteBuf b1 = pooled.directBuffer(10_000);
        sum += b1.writeInt(1).readInt();
        b1.release();
        ByteBuf b2 = pooled.directBuffer(10_000);
        b2.release();
        ByteBuf b3 = pooled.directBuffer(20_000);
        b3.release();
        UnpooledByteBufAllocator unpooled = new UnpooledByteBufAllocator(true);
        ByteBuf d = unpooled.directBuffer(4_321);
        ByteBuf h = unpooled.heapBuffer(4_322);
        sum += d.capacity() + h.capacity();
        d.release();
        h.release();
        System.out.println("done " + sum);
    }
}

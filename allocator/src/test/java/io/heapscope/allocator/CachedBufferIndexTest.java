package io.heapscope.allocator;

import io.heapscope.device.Buffer;
import io.heapscope.device.Heap;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cached-buffer index must make exactly the decisions of the seed's sorted set: the same best fit for every
 * request, the same order when walked, the same membership. Checked against a {@link TreeSet} with the seed's
 * (size, address) comparator under long random sequences, with few sizes (deep buckets), many sizes (many empty
 * buckets to skip and sweep) and addresses arriving in every order.
 */
class CachedBufferIndexTest {
    private record StubBuffer(long address, long length) implements Buffer {
        @Override
        public long heapOffset() {
            return 0;
        }

        @Override
        public Heap heap() {
            return null;
        }

        @Override
        public MemorySegment contents() {
            return MemorySegment.NULL;
        }

        @Override
        public void retain() {
        }

        @Override
        public void release() {
        }

        @Override
        public int retainCount() {
            return 1;
        }
    }

    private static BufferBlock block(long size, long address, long id) {
        return new BufferBlock(size, size, new StubBuffer(address, size), null, id);
    }

    @Test
    void agreesWithTheSeedsSortedSetUnderRandomOperations() {
        for (int distinctSizes : new int[]{1, 3, 40, 2000}) {
            for (long seed = 1; seed <= 6; seed++) {
                check(new Random(seed * 7919 + distinctSizes), distinctSizes, 20_000);
            }
        }
    }

    private static void check(Random rnd, int distinctSizes, int steps) {
        CachedBufferIndex index = new CachedBufferIndex();
        TreeSet<BufferBlock> model = new TreeSet<>(BufferBlock.BY_SIZE_THEN_ADDRESS);
        List<BufferBlock> all = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            long size = 4096L * (1 + rnd.nextInt(distinctSizes));
            long address = 0x7000_0000_0000L + 4096L * rnd.nextInt(1 << 24);
            all.add(block(size, address + i, i + 1)); // distinct addresses
        }
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(10);
            if (op < 4) {
                BufferBlock b = all.get(rnd.nextInt(all.size()));
                assertEquals(model.add(b), index.add(b), "add");
            } else if (op < 7) {
                BufferBlock b = all.get(rnd.nextInt(all.size()));
                assertEquals(model.remove(b), index.remove(b), "remove");
            } else {
                long size = 4096L * (rnd.nextInt(distinctSizes + 2));
                BufferBlock expected = model.ceiling(BufferBlock.searchKey(size));
                BufferBlock actual = index.ceiling(size);
                assertSame(expected, actual, "best fit for " + size);
                if (expected != null && rnd.nextBoolean()) {
                    // as a recycle does: take the best fit out
                    model.remove(expected);
                    assertTrue(index.remove(actual));
                }
            }
            assertEquals(model.size(), index.size());
            if (step % 1000 == 0) {
                assertEquals(new ArrayList<>(model), index.ordered(), "walk order");
                assertEquals(new ArrayList<>(model.descendingSet()), index.descending(), "descending walk order");
            }
        }
        for (BufferBlock b : new ArrayList<>(model)) {
            assertTrue(index.remove(b));
        }
        assertTrue(index.isEmpty());
        assertNull(index.ceiling(0));
        assertFalse(index.remove(all.get(0)));
    }

    @Test
    void addingTwiceIsRefused() {
        CachedBufferIndex index = new CachedBufferIndex();
        BufferBlock b = block(8192, 0x1000, 1);
        assertTrue(index.add(b));
        assertFalse(index.add(b));
        assertEquals(1, index.size());
        assertSame(b, index.ceiling(4096));
        assertSame(b, index.ceiling(8192));
        assertNull(index.ceiling(8193));
    }
}

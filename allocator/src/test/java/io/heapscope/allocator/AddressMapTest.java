package io.heapscope.allocator;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The address table answers get/put/remove as a HashMap does, under random operations with clustered keys. */
class AddressMapTest {
    @Test
    void agreesWithAHashMap() {
        for (long seed = 1; seed <= 5; seed++) {
            Random rnd = new Random(seed);
            AddressMap map = new AddressMap();
            Map<Long, BufferBlock> model = new HashMap<>();
            List<Long> keys = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                // page-aligned addresses in a few regions, as heaps place buffers
                keys.add(0x7f00_0000_0000L + (long) rnd.nextInt(4) * (1L << 32) + 4096L * rnd.nextInt(20_000));
            }
            for (int step = 0; step < 100_000; step++) {
                long k = keys.get(rnd.nextInt(keys.size()));
                int op = rnd.nextInt(3);
                if (op == 0) {
                    BufferBlock b = new BufferBlock(4096, 4096, null, null, step);
                    assertSame(model.put(k, b), map.put(k, b));
                } else if (op == 1) {
                    assertSame(model.remove(k), map.remove(k));
                } else {
                    assertSame(model.get(k), map.get(k));
                }
                assertEquals(model.size(), map.size());
            }
            for (Map.Entry<Long, BufferBlock> e : model.entrySet()) {
                assertSame(e.getValue(), map.get(e.getKey()));
            }
        }
    }

    @Test
    void nullBlocksAreRefused() {
        assertThrows(NullPointerException.class, () -> new AddressMap().put(1, null));
    }
}

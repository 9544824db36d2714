package io.heapscope.agent;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveAddressesTest {
    @Test
    void boundedInBytesWithDropsAndUnknownReleasesCounted() {
        LiveAddresses live = new LiveAddresses(1, 256 * 16); // one stripe of 256 slots: at most 192 entries
        for (long a = 1; a <= 192; a++) {
            live.put(a * 16, a);
        }
        assertEquals(0, live.dropped());
        live.put(193 * 16, 193); // over the bound: dropped
        assertEquals(1, live.dropped());
        assertEquals(192, live.size());
        assertEquals(256 * 16, live.bytes(), "never grows past its bytes");
        assertEquals(20, live.remove(20 * 16));
        assertEquals(-1, live.remove(193 * 16), "dropped, so unknown");
        assertEquals(-1, live.remove(99_999), "foreign address");
        assertEquals(2, live.unknownReleases());
        live.put(500 * 16, 500);
        assertEquals(500, live.remove(500 * 16));
        for (long a = 1; a <= 192; a++) {
            if (a != 20) {
                assertEquals(a, live.remove(a * 16), "entry " + a);
            }
        }
        assertEquals(0, live.size());
    }

    @Test
    void agreesWithAHashMapUnderRandomChurnAndGrowth() {
        LiveAddresses live = new LiveAddresses(4, 1 << 20);
        Map<Long, Long> model = new HashMap<>();
        Random r = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            long address = (r.nextInt(50_000) + 1L) * 64;
            if (r.nextBoolean()) {
                live.put(address, i);
                model.put(address, (long) i);
            } else {
                Long expected = model.remove(address);
                assertEquals(expected == null ? -1 : expected, live.remove(address), "remove " + address);
            }
        }
        assertEquals(model.size(), live.size());
        assertEquals(0, live.dropped());
        assertTrue(live.bytes() <= 1 << 20);
    }
}

package io.heapscope.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LiveAddressesTest {
    @Test
    void boundedWithDropsAndUnknownReleasesCounted() {
        LiveAddresses live = new LiveAddresses(2);
        live.put(1, 10);
        live.put(2, 20);
        live.put(3, 30); // over capacity: dropped
        assertEquals(1, live.dropped());
        assertEquals(2, live.size());
        assertEquals(20, live.remove(2));
        assertEquals(-1, live.remove(3), "dropped, so unknown");
        assertEquals(-1, live.remove(99), "foreign address");
        assertEquals(2, live.unknownReleases());
        live.put(4, 40);
        assertEquals(40, live.remove(4));
        assertEquals(10, live.remove(1));
        assertEquals(0, live.size());
    }
}

package io.heapscope.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The placement rule all backends share: first fit, page extents, coalescing, aligned max available. */
class ExtentMapTest {
    private static final long P = ExtentMap.PAGE;

    @Test
    void firstFitAtTheLowestOffsetWithPageExtents() {
        ExtentMap m = new ExtentMap(16 * P);
        assertEquals(0, m.allocate(1));
        assertEquals(P, m.allocate(P));
        assertEquals(2 * P, m.allocate(P + 1));
        assertEquals(4 * P, m.allocate(3 * P));
        m.release(P);                       // hole of 1 page at P
        assertEquals(7 * P, m.allocate(2 * P), "too big for the hole: after the last extent");
        assertEquals(P, m.allocate(P), "fits the hole: lowest offset wins");
        assertEquals(-1, m.allocate(8 * P), "7 pages left, not 8");
        assertEquals(7 * P, m.maxAvailable(P));
    }

    @Test
    void neighboursCoalesceOnRelease() {
        ExtentMap m = new ExtentMap(8 * P);
        long a = m.allocate(2 * P);
        long b = m.allocate(2 * P);
        long c = m.allocate(2 * P);
        m.release(b);
        assertEquals(2, m.freeExtents());
        m.release(a);
        m.release(c);
        assertEquals(1, m.freeExtents());
        assertEquals(8 * P, m.maxAvailable(P));
        assertEquals(0, m.usedBytes());
    }

    @Test
    void maxAvailableIsTheLargestFreeExtentRoundedDownToTheAlignment() {
        ExtentMap m = new ExtentMap(64 * P);
        m.allocate(5 * P);
        assertEquals(59 * P, m.maxAvailable(P));
        assertEquals(58 * P, m.maxAvailable(2 * P));
        assertEquals(56 * P, m.maxAvailable(8 * P));
        assertEquals(0, m.maxAvailable(64 * P));
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ExtentMap(P + 1));
        assertThrows(IllegalArgumentException.class, () -> new ExtentMap(0));
        ExtentMap m = new ExtentMap(4 * P);
        assertThrows(IllegalArgumentException.class, () -> m.release(P), "nothing placed there");
        assertThrows(IllegalArgumentException.class, () -> m.maxAvailable(3000));
        assertThrows(IllegalArgumentException.class, () -> ExtentMap.roundUp(-1));
        assertThrows(IllegalArgumentException.class, () -> ExtentMap.roundUp(Long.MAX_VALUE));
    }

    @Test
    void sizesParseUnitsAndNameBadValues() {
        assertEquals(8L << 30, Sizes.parse("capacity", "8g"));
        assertEquals(512L << 20, Sizes.parse("capacity", "512MiB"));
        assertEquals(4096, Sizes.parse("capacity", "4096"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("capacity", "lots"));
        assertEquals(true, e.getMessage().contains("capacity='lots'"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("capacity", "-1g"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("capacity", "99999999999t"));
    }

    @Test
    void backendSelection() {
        Backends.SelectedDevice explicit = Backends.open("host");
        try (var d = explicit.device()) {
            assertEquals("host", d.backend());
            assertEquals("backend host chosen explicitly", explicit.reason());
        }
        var cuda = Backends.providers().get("cuda");
        if (!System.getProperty("os.name").toLowerCase().contains("mac")
                && (cuda == null || cuda.unavailableReason().isPresent())) {
            Backends.SelectedDevice auto = Backends.open("auto");
            try (var d = auto.device()) {
                assertEquals("host", d.backend());
                assertEquals(true, auto.reason().startsWith("backend host chosen automatically ("), auto.reason());
                assertEquals(true, auto.reason().contains("metal: not macOS"), auto.reason());
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.open("opencl"));
        assertEquals(true, e.getMessage().contains("auto, host, cuda, metal"), e.getMessage());
    }
}

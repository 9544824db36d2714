package io.heapscope.allocator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DebugVerbosity: the seed's bits, and masks parsed as strtol(s, 0, 0) reads them or as flag names. */
class DebugVerbosityTest {

    @Test
    void bitsAreTheSeeds() {
        assertEquals(0, DebugVerbosity.SILENT);
        assertEquals(1, DebugVerbosity.PROFILING.bit());
        assertEquals(2, DebugVerbosity.ALLOCATIONS.bit());
        assertEquals(4, DebugVerbosity.RECYCLES.bit());
        assertEquals(8, DebugVerbosity.RELEASES.bit());
        assertEquals(16, DebugVerbosity.LARGE_ONLY.bit());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "0;0", "15;15", "0x1f;31", "0X0A;10", "017;15", " 8 ;8", "+4;4",
            "SILENT;0", "allocations;2", "ALLOCATIONS|RELEASES;10", "recycles, large_only;20",
            "PROFILING|ALLOCATIONS|RECYCLES|RELEASES|LARGE_ONLY;31", "ALL;31"})
    void parsesNumbersAndNames(String text, int mask) {
        assertEquals(mask, DebugVerbosity.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "32", "-1", "0x", "09", "ALLOCATION", "ALLOCATIONS|BOGUS", "1.5"})
    void rejectsWhatItCannotRead(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DebugVerbosity.parse(text));
        assertTrue(e.getMessage().contains("debug verbosity"), e.getMessage());
    }

    @Test
    void rejectionNamesTheBadFlagAndTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DebugVerbosity.parse("ALLOCATIONS|BOGUS"));
        assertTrue(e.getMessage().contains("'BOGUS'"), e.getMessage());
        assertTrue(e.getMessage().contains("RECYCLES"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DebugVerbosity.parse("64")).getMessage()
                .contains("0..31"));
    }

    @Test
    void formatsMasks() {
        assertEquals("SILENT", DebugVerbosity.format(0));
        assertEquals("ALLOCATIONS|RELEASES", DebugVerbosity.format(10));
    }
}

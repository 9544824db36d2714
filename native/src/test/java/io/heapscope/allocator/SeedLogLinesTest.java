package io.heapscope.allocator;

import io.heapscope.device.Device;
import io.heapscope.telemetry.log.SeedLogListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Set;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Supplier;

import static io.heapscope.allocator.Fixture.MiB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With flags set, the allocator writes the seed's diagnostic lines (same facts, same wording) through System.Logger. */
class SeedLogLinesTest {

    /** A System.Logger that keeps what it is given. */
    static final class Capture implements System.Logger {
        final List<String> lines = new ArrayList<>();

        @Override
        public String getName() {
            return "capture";
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.INFO.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (isLoggable(level)) {
                lines.add(msg);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                lines.add(format);
            }
        }

        @Override
        public void log(Level level, Supplier<String> msgSupplier) {
            if (isLoggable(level)) {
                lines.add(msgSupplier.get());
            }
        }
    }

    @Test
    void allocationReuseAndReleaseLinesCarryTheSeedsFacts() {
        Capture log = new Capture();
        int flags = DebugVerbosity.ALLOCATIONS.bit() | DebugVerbosity.RECYCLES.bit() | DebugVerbosity.RELEASES.bit();
        try (Device d = TestDevices.host(Fixture.GiB);
             HeapAllocator a = HeapAllocator.builder(d).verbosity(flags).sinks(Set.of())
                     .listener(new SeedLogListener(log)).build()) {
            MpsBuffer b = a.malloc(5000, false);
            a.free(b);
            MpsBuffer again = a.malloc(5000, false);
            a.free(again);
            a.emptyCache();
            String hex = Long.toHexString(b.address());
            assertEquals(List.of(
                    "Allocated private heap #1 of size 8.00 MiB (#heaps: 1, current allocated: 8.00 MiB)",
                    "Allocated private buffer #1 of size 8.00 KiB at 0x" + hex + " from heap #1 (requested: 4.88 KiB, heap: "
                            + SizeClasses.formatSize(8 * MiB - 8192) + ", total: 8.00 MiB)",
                    "Reusing private buffer #1 of size 8.00 KiB at 0x" + hex + " (requested: 4.88 KiB, use#: 2, retain#: 1)",
                    "Released buffer #1 of size 8.00 KiB from heap #1 (heap size: 8.00 MiB, use#: 2, retain#: 1, gc#: 0)",
                    "Released heap #1 of size 8.00 MiB (current allocated: 0 bytes, retain#: 1)"), log.lines);
        }
    }

    @Test
    void largeOnlyDropsSmallPoolLines() {
        Capture log = new Capture();
        int flags = DebugVerbosity.ALLOCATIONS.bit() | DebugVerbosity.LARGE_ONLY.bit();
        try (Device d = TestDevices.host(Fixture.GiB);
             HeapAllocator a = HeapAllocator.builder(d).verbosity(flags).sinks(Set.of())
                     .listener(new SeedLogListener(log)).build()) {
            a.malloc(5000, false);
            a.malloc(2 * MiB, true);
            assertEquals(2, log.lines.size(), log.lines.toString());
            assertTrue(log.lines.get(1).startsWith("Allocated shared buffer #2 of size 2.00 MiB"), log.lines.toString());
        }
    }
}

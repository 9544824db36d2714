package io.heapscope.allocator;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** format_size as c10 prints it, and configuration from system properties and the environment. */
class FormatSizeAndConfigTest {

    @Test
    void formatSizeMatchesC10() {
        assertEquals("0 bytes", SizeClasses.formatSize(0));
        assertEquals("1024 bytes", SizeClasses.formatSize(1024));
        assertEquals("1.00 KiB", SizeClasses.formatSize(1025));
        assertEquals("1024.00 KiB", SizeClasses.formatSize(1048576));
        assertEquals("1.50 MiB", SizeClasses.formatSize(1572864));
        assertEquals("1024.00 MiB", SizeClasses.formatSize(1L << 30));
        assertEquals("1.70 GiB", SizeClasses.formatSize((long) (1.7 * (1L << 30))));
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void nothingSetGivesSilentAndDefaults() {
        assertEquals(AllocatorConfig.defaults(), AllocatorConfig.from(new Properties(), Map.of()));
    }

    @Test
    void pytorchNamesAreAccepted() {
        AllocatorConfig c = AllocatorConfig.from(new Properties(), Map.of("PYTORCH_DEBUG_MPS_ALLOCATOR", "0x3",
                "PYTORCH_MPS_HIGH_WATERMARK_RATIO", "1.2", "PYTORCH_MPS_LOW_WATERMARK_RATIO", "0.9"));
        assertEquals(new AllocatorConfig(3, OptionalDouble.of(1.2), OptionalDouble.of(0.9)), c);
    }

    @Test
    void heapscopeNamesWinOverPytorchAndPropertiesOverEnvironment() {
        Map<String, String> env = Map.of("PYTORCH_DEBUG_MPS_ALLOCATOR", "1", "HEAPSCOPE_DEBUG_ALLOCATOR", "ALLOCATIONS",
                "HEAPSCOPE_HIGH_WATERMARK_RATIO", "1.5");
        assertEquals(2, AllocatorConfig.from(new Properties(), env).verbosity());
        AllocatorConfig c = AllocatorConfig.from(props("heapscope.debug.allocator", "RELEASES",
                "heapscope.high.watermark.ratio", "0"), env);
        assertEquals(8, c.verbosity());
        assertEquals(OptionalDouble.of(0), c.highWatermarkRatio());
    }

    @Test
    void badValuesNameTheVariable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AllocatorConfig.from(new Properties(), Map.of("HEAPSCOPE_LOW_WATERMARK_RATIO", "lots")));
        assertTrue(e.getMessage().contains("HEAPSCOPE_LOW_WATERMARK_RATIO='lots'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AllocatorConfig.from(props("heapscope.debug.allocator", "LOUD"), Map.of()));
        assertTrue(e.getMessage().startsWith("heapscope.debug.allocator: "), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> AllocatorConfig.from(new Properties(), Map.of("PYTORCH_MPS_HIGH_WATERMARK_RATIO", "NaN")));
    }

    @Test
    void usageFlagsDescribeAndCheck() {
        assertEquals("PRIVATE", UsageFlags.describe(0));
        assertEquals("SMALL|SHARED|SCALAR", UsageFlags.describe(PoolKind.SCALAR.usage()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> UsageFlags.check(0x20)).getMessage().contains("0x20"));
    }
}

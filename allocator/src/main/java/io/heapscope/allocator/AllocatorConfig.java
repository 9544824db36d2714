package io.heapscope.allocator;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;

/**
 * Settings read from system properties and the environment. For each setting the first of these that is set wins:
 * system property {@code heapscope.debug.allocator} (resp. {@code heapscope.high.watermark.ratio},
 * {@code heapscope.low.watermark.ratio}), environment {@code HEAPSCOPE_DEBUG_ALLOCATOR} (resp.
 * {@code HEAPSCOPE_HIGH_WATERMARK_RATIO}, {@code HEAPSCOPE_LOW_WATERMARK_RATIO}), then PyTorch's
 * {@code PYTORCH_DEBUG_MPS_ALLOCATOR}, {@code PYTORCH_MPS_HIGH_WATERMARK_RATIO},
 * {@code PYTORCH_MPS_LOW_WATERMARK_RATIO} (as system properties or environment).
 *
 * @param verbosity          debug verbosity mask ({@link DebugVerbosity})
 * @param highWatermarkRatio the high watermark ratio, or empty for the default (1.7)
 * @param lowWatermarkRatio  the low watermark ratio, or empty for the default (1.4 unified, 1.0 discrete)
 */
public record AllocatorConfig(int verbosity, OptionalDouble highWatermarkRatio, OptionalDouble lowWatermarkRatio) {

    static final String[] VERBOSITY_KEYS = {"heapscope.debug.allocator", "HEAPSCOPE_DEBUG_ALLOCATOR",
            "PYTORCH_DEBUG_MPS_ALLOCATOR"};
    static final String[] HIGH_KEYS = {"heapscope.high.watermark.ratio", "HEAPSCOPE_HIGH_WATERMARK_RATIO",
            "PYTORCH_MPS_HIGH_WATERMARK_RATIO"};
    static final String[] LOW_KEYS = {"heapscope.low.watermark.ratio", "HEAPSCOPE_LOW_WATERMARK_RATIO",
            "PYTORCH_MPS_LOW_WATERMARK_RATIO"};

    /** Nothing set: SILENT and the seed's defaults. */
    public static AllocatorConfig defaults() {
        return new AllocatorConfig(DebugVerbosity.SILENT, OptionalDouble.empty(), OptionalDouble.empty());
    }

    /** From this JVM's system properties and environment. */
    public static AllocatorConfig fromSystem() {
        return from(System.getProperties(), System.getenv());
    }

    /**
     * @throws IllegalArgumentException naming the variable and its value when one cannot be parsed
     */
    public static AllocatorConfig from(Properties properties, Map<String, String> environment) {
        String verbosity = lookup(properties, environment, VERBOSITY_KEYS);
        int mask = DebugVerbosity.SILENT;
        if (verbosity != null) {
            try {
                mask = DebugVerbosity.parse(verbosity);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(keyOf(properties, environment, VERBOSITY_KEYS) + ": "
                        + e.getMessage(), e);
            }
        }
        OptionalDouble high = ratio(properties, environment, HIGH_KEYS);
        OptionalDouble low = ratio(properties, environment, LOW_KEYS);
        double highLimit = high.isPresent() && high.getAsDouble() > 0 ? high.getAsDouble()
                : HeapAllocator.HIGH_WATERMARK_UPPER_BOUND;
        if (low.isPresent() && low.getAsDouble() > highLimit) {
            throw new IllegalArgumentException(keyOf(properties, environment, LOW_KEYS) + "=" + low.getAsDouble()
                    + " is above the high watermark ratio " + highLimit
                    + (high.isPresent() ? " (" + keyOf(properties, environment, HIGH_KEYS) + ")" : "")
                    + "; the low watermark must be within 0.0.." + highLimit + " (0 disables it)");
        }
        return new AllocatorConfig(mask, high, low);
    }

    private static OptionalDouble ratio(Properties p, Map<String, String> env, String[] keys) {
        String text = lookup(p, env, keys);
        if (text == null) {
            return OptionalDouble.empty();
        }
        try {
            double value = Double.parseDouble(text.strip());
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                throw new NumberFormatException("not finite");
            }
            if (value < 0 || value > HeapAllocator.HIGH_WATERMARK_UPPER_BOUND) {
                throw new IllegalArgumentException(keyOf(p, env, keys) + "=" + text.strip()
                        + " is out of range: a watermark ratio must be within 0.0.."
                        + HeapAllocator.HIGH_WATERMARK_UPPER_BOUND + " (0 disables the limit)");
            }
            return OptionalDouble.of(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(keyOf(p, env, keys) + "='" + text
                    + "' is not a number (expected a ratio such as 1.7; 0 disables the limit)", e);
        }
    }

    private static String lookup(Properties p, Map<String, String> env, String[] keys) {
        String key = keyOf(p, env, keys);
        if (key == null) {
            return null;
        }
        String v = p.getProperty(key);
        return v != null ? v : env.get(key);
    }

    private static String keyOf(Properties p, Map<String, String> env, String[] keys) {
        for (String k : keys) {
            if (p.getProperty(k) != null) {
                return k;
            }
            if (!k.startsWith("heapscope.") && env.get(k) != null) {
                return k;
            }
        }
        return null;
    }
}

package io.heapscope.allocator;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * How the allocator places buffers in heaps. Chosen with the system property {@code heapscope.policy} or the
 * environment variable {@code HEAPSCOPE_POLICY} ({@code faithful} or {@code split}), or
 * {@link HeapAllocator.Builder#policy(AllocationPolicy)}; default {@link #FAITHFUL}.
 */
public enum AllocationPolicy {
    /**
     * The seed's MPS policy, decision for decision: freed buffers are cached whole and reused best-fit by
     * (size, address), with up to {@code kLargeHeap} (32 MiB) of slack; heaps of 8 MiB / 32 MiB / 1 GiB (unified) or
     * 128 MiB (discrete).
     */
    FAITHFUL,
    /**
     * CUDA-style split and coalesce: a freed buffer's range goes back into its heap at once, where it coalesces with
     * its free neighbours; a request is placed in the cached heap whose largest free range fits it most tightly
     * (best fit by heap), at the lowest offset there that fits (the free range is split). Heaps are sized as the CUDA
     * caching allocator sizes its segments ({@link SplitPolicy}); empty heaps stay cached until memory pressure
     * (garbage collection releases them, oldest first) or {@code emptyCache}. Pools, watermarks, pending frees,
     * callbacks and telemetry are the seed's.
     */
    SPLIT;

    static final String[] KEYS = {"heapscope.policy", "HEAPSCOPE_POLICY"};

    /** From this JVM's system properties and environment. */
    public static AllocationPolicy fromSystem() {
        return from(System.getProperties(), System.getenv());
    }

    /**
     * @throws IllegalArgumentException naming the setting and its value when it is neither faithful nor split
     */
    public static AllocationPolicy from(Properties properties, Map<String, String> environment) {
        String key = KEYS[0];
        String value = properties.getProperty(KEYS[0]);
        if (value == null) {
            key = KEYS[1];
            value = environment.get(KEYS[1]);
        }
        if (value == null || value.isBlank()) {
            return FAITHFUL;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "faithful" -> FAITHFUL;
            case "split" -> SPLIT;
            default -> throw new IllegalArgumentException(key + "='" + value
                    + "' is not an allocation policy (expected faithful or split)");
        };
    }
}

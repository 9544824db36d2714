package io.heapscope.allocator;

import java.util.Locale;

/**
 * The seed's {@code DebugVerbosity} flags. They select both the diagnostic log lines and which telemetry events are
 * emitted (see {@code io.heapscope.allocator.event.EventKind}).
 */
public enum DebugVerbosity {
    /** Generic profiling data for total memory usage; pool statistics and metrics. */
    PROFILING(1),
    /** Buffer and heap allocations. */
    ALLOCATIONS(1 << 1),
    /** Buffer recycling. */
    RECYCLES(1 << 2),
    /** Buffer frees and releases, heap releases, garbage collection. */
    RELEASES(1 << 3),
    /** Only large (non-small) pool transactions. */
    LARGE_ONLY(1 << 4);

    /** No flag: nothing logged or emitted. */
    public static final int SILENT = 0;
    /** Every defined bit. */
    public static final int ALL = 0x1F;

    private final int bit;

    DebugVerbosity(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public boolean isSet(int mask) {
        return (mask & bit) != 0;
    }

    /**
     * Parses a mask: a number in decimal, hex ({@code 0x..}) or octal ({@code 0..}) as C's {@code strtol(s, 0, 0)}
     * reads it, or flag names joined by {@code |} or {@code ,} (case-insensitive; {@code SILENT} is 0).
     *
     * @throws IllegalArgumentException naming the bad value and what is accepted
     */
    public static int parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("debug verbosity must not be null");
        }
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid debug verbosity '' (expected a mask 0.." + ALL
                    + " or flag names joined by '|' or ',': SILENT, PROFILING, ALLOCATIONS, RECYCLES, RELEASES, LARGE_ONLY)");
        }
        if (Character.isDigit(s.charAt(0)) || s.charAt(0) == '+') {
            return parseNumber(text, s);
        }
        int mask = 0;
        for (String part : s.split("[|,]")) {
            String name = part.strip().toUpperCase(Locale.ROOT);
            if (name.equals("SILENT")) {
                continue;
            }
            if (name.equals("ALL")) {
                mask |= ALL;
                continue;
            }
            DebugVerbosity flag = null;
            for (DebugVerbosity v : values()) {
                if (v.name().equals(name)) {
                    flag = v;
                }
            }
            if (flag == null) {
                throw new IllegalArgumentException("invalid debug verbosity flag '" + part.strip() + "' in '" + text
                        + "' (known: SILENT, PROFILING, ALLOCATIONS, RECYCLES, RELEASES, LARGE_ONLY, ALL)");
            }
            mask |= flag.bit;
        }
        return mask;
    }

    private static int parseNumber(String original, String s) {
        String digits = s.startsWith("+") ? s.substring(1) : s;
        int radix = 10;
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            radix = 16;
            digits = digits.substring(2);
        } else if (digits.length() > 1 && digits.startsWith("0")) {
            radix = 8;
            digits = digits.substring(1);
        }
        long value;
        try {
            value = Long.parseLong(digits, radix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid debug verbosity '" + original + "' (not a number in base "
                    + radix + ")", e);
        }
        if (value < 0 || value > ALL) {
            throw new IllegalArgumentException("invalid debug verbosity " + original + " (mask must be within 0.."
                    + ALL + ")");
        }
        return (int) value;
    }

    /** The mask as flag names joined by '|', or "SILENT". */
    public static String format(int mask) {
        if (mask == SILENT) {
            return "SILENT";
        }
        StringBuilder sb = new StringBuilder();
        for (DebugVerbosity v : values()) {
            if (v.isSet(mask)) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(v.name());
            }
        }
        return sb.toString();
    }
}

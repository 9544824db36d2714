package io.heapscope.backend;

import java.util.Locale;

/** Parses sizes such as {@code 4096}, {@code 512m}, {@code 8g}, {@code 64KiB} (binary units). */
public final class Sizes {
    private Sizes() {
    }

    public static long parse(String key, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(key + " is empty (expected bytes, or a number with k, m, g or t)");
        }
        String s = text.strip().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        if (s.isEmpty()) {
            throw new IllegalArgumentException(key + "='" + text
                    + "' is not a size (expected bytes, or a number with k, m, g or t)");
        }
        long unit = 1;
        char last = s.charAt(s.length() - 1);
        int shift = switch (last) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (shift > 0) {
            s = s.substring(0, s.length() - 1).strip();
            unit = 1L << shift;
        }
        try {
            long v = Long.parseLong(s);
            if (v <= 0 || v > Long.MAX_VALUE / unit) {
                throw new IllegalArgumentException(key + "='" + text + "' must be positive and below 2^63 bytes");
            }
            return v * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "='" + text
                    + "' is not a size (expected bytes, or a number with k, m, g or t)", e);
        }
    }
}

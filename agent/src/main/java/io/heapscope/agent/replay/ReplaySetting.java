package io.heapscope.agent.replay;

import io.heapscope.backend.Sizes;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One allocator configuration to replay a workload with.
 *
 * @param backend   device backend (host simulates a device of the given capacity)
 * @param capacity  device capacity in bytes (recommended max working set), 0 for the backend's default
 * @param unified   unified (true) or discrete (false) memory sizing, null for the backend's default
 * @param high      high watermark ratio, NaN for the default (1.7)
 * @param low       low watermark ratio, NaN for the default (1.4 unified, 1.0 discrete)
 */
public record ReplaySetting(String backend, long capacity, Boolean unified, double high, double low) {

    public String label() {
        StringBuilder sb = new StringBuilder(backend);
        if (capacity > 0) {
            sb.append(" capacity=").append(human(capacity));
        }
        if (unified != null) {
            sb.append(unified ? " unified" : " discrete");
        }
        if (!Double.isNaN(high)) {
            sb.append(" high=").append(high);
        }
        if (!Double.isNaN(low)) {
            sb.append(" low=").append(low);
        }
        return sb.toString();
    }

    static String human(long bytes) {
        String[] units = {"", "k", "m", "g", "t"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1 && (long) v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + units[u];
    }

    /** Every combination of the comma-separated values given for each option (an empty list means the default). */
    public static List<ReplaySetting> combinations(List<String> backends, List<String> capacities,
                                                   List<String> unified, List<String> highs, List<String> lows) {
        List<ReplaySetting> out = new ArrayList<>();
        for (String b : orDefault(backends, "host")) {
            for (String c : orDefault(capacities, "")) {
                for (String u : orDefault(unified, "")) {
                    for (String h : orDefault(highs, "")) {
                        for (String l : orDefault(lows, "")) {
                            out.add(new ReplaySetting(b, c.isEmpty() ? 0 : Sizes.parse("--capacity", c),
                                    u.isEmpty() ? null : parseUnified(u), ratio("--high", h), ratio("--low", l)));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static List<String> orDefault(List<String> values, String dflt) {
        return values.isEmpty() ? List.of(dflt) : values;
    }

    private static Boolean parseUnified(String u) {
        return switch (u.toLowerCase(Locale.ROOT)) {
            case "unified", "true", "yes" -> Boolean.TRUE;
            case "discrete", "false", "no" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("--sizing: expected unified or discrete, got '" + u + "'");
        };
    }

    private static double ratio(String option, String v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a ratio such as 1.7 (0 disables), got '" + v + "'",
                    e);
        }
    }
}

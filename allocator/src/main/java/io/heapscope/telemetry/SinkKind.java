package io.heapscope.telemetry;

import io.heapscope.allocator.HeapAllocator;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/** Where memory events go. Chosen with {@code heapscope.sinks} / {@code HEAPSCOPE_SINKS}, e.g. {@code jfr,otel,log}. */
public enum SinkKind {
    /** JFR events {@code heapscope.*}. */
    JFR,
    /** OpenTelemetry spans and metrics. */
    OTEL,
    /** The seed's diagnostic lines through System.Logger. */
    LOG;

    /** The default with verbosity flags set: JFR and OpenTelemetry. */
    public static Set<SinkKind> defaults() {
        return EnumSet.of(JFR, OTEL);
    }

    /**
     * Parses a list separated by ',', '|' or '+' ({@code none} for no sink), as
     * {@link HeapAllocator.Builder#parseSinks} does for the allocator.
     *
     * @throws IllegalArgumentException naming the unknown entry
     */
    public static Set<SinkKind> parse(String text) {
        Set<SinkKind> out = EnumSet.noneOf(SinkKind.class);
        for (String name : HeapAllocator.Builder.parseSinks(text)) {
            out.add(SinkKind.valueOf(name.toUpperCase(Locale.ROOT)));
        }
        return out;
    }

    /** From {@code heapscope.sinks} (system property) or {@code HEAPSCOPE_SINKS}, else {@link #defaults()}. */
    public static Set<SinkKind> from(Properties properties, Map<String, String> env) {
        String v = properties.getProperty("heapscope.sinks", env.get("HEAPSCOPE_SINKS"));
        return v == null ? defaults() : parse(v);
    }
}

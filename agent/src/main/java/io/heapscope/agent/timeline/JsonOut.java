package io.heapscope.agent.timeline;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;

/** Compact JSON for the page's data: maps, lists, strings, numbers, booleans, null, long[], double[], int[]. */
public final class JsonOut {
    private JsonOut() {
    }

    public static String write(Object v) {
        StringBuilder sb = new StringBuilder(1 << 16);
        write(sb, v);
        return sb.toString();
    }

    public static void write(StringBuilder sb, Object v) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> number(sb, d);
            case Float f -> number(sb, f);
            case Number n -> sb.append(n.longValue());
            case long[] a -> array(sb, a.length, i -> sb.append(a[i]));
            case int[] a -> array(sb, a.length, i -> sb.append(a[i]));
            case double[] a -> array(sb, a.length, i -> number(sb, a[i]));
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(':');
                    write(sb, e.getValue());
                    first = false;
                }
                sb.append('}');
            }
            case List<?> l -> array(sb, l.size(), i -> write(sb, l.get(i)));
            default -> quote(sb, v.toString());
        }
    }

    /** {@code [e0,e1,...]}, each element written by {@code element}. */
    private static void array(StringBuilder sb, int length, IntConsumer element) {
        sb.append('[');
        for (int i = 0; i < length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            element.accept(i);
        }
        sb.append(']');
    }

    private static void number(StringBuilder sb, double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            sb.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d);
        } else {
            sb.append(String.format(Locale.ROOT, "%.6g", d));
        }
    }

    /** A JSON string that is also safe inside an HTML {@code <script>} element. */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '<' -> sb.append("\\u003c");
                case '>' -> sb.append("\\u003e");
                case '&' -> sb.append("\\u0026");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}

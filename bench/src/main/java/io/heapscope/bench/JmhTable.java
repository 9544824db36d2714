package io.heapscope.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a JMH result file ({@code -rf json -rff FILE}) into the Markdown table the docs carry, so a table and the run
 * behind it cannot drift: one row per parameter set, one column per benchmark method ({@code score ± error unit}),
 * then one column per requested ratio.
 *
 * <pre>java -cp heapscope-bench.jar io.heapscope.bench.JmhTable FILE [--bench=CLASS] [NUMERATOR/DENOMINATOR]...</pre>
 *
 * {@code --bench=CLASS} keeps only the results of that benchmark class (simple name), for files holding several.
 *
 * A ratio names two benchmark methods (their short names); e.g. {@code cudaAllocatorPair/hostAllocatorPair} gives
 * how many times slower the CUDA pair is than the host pair, {@code rawDriverPair/cudaAllocatorPair} how many times
 * faster the allocator is than the driver.
 */
public final class JmhTable {
    private JmhTable() {
    }

    /** One JMH result: benchmark class (simple name), method short name, parameters, score, error, unit. */
    public record Result(String benchmarkClass, String method, Map<String, String> params, double score, double error,
                         String unit) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JmhTable JMH_RESULT.json [NUMERATOR/DENOMINATOR]...");
            System.exit(2);
        }
        List<Result> results = read(Files.readString(Path.of(args[0])));
        List<String> ratios = new ArrayList<>();
        for (String a : List.of(args).subList(1, args.length)) {
            if (a.startsWith("--bench=")) {
                String cls = a.substring("--bench=".length());
                results = results.stream().filter(r -> r.benchmarkClass().equals(cls)).toList();
            } else {
                ratios.add(a);
            }
        }
        System.out.print(table(results, ratios));
    }

    /** The results of a JMH JSON result file. */
    public static List<Result> read(String json) {
        Object root = new Parser(json).value();
        if (!(root instanceof List<?> list)) {
            throw new IllegalArgumentException("not a JMH result file: the top level is not an array");
        }
        List<Result> out = new ArrayList<>();
        for (Object o : list) {
            Map<?, ?> m = (Map<?, ?>) o;
            String benchmark = (String) m.get("benchmark");
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            String owner = benchmark.substring(0, Math.max(0, benchmark.lastIndexOf('.')));
            String benchmarkClass = owner.substring(owner.lastIndexOf('.') + 1);
            Map<String, String> params = new TreeMap<>();
            if (m.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put(k.toString(), v.toString()));
            }
            Map<?, ?> primary = (Map<?, ?>) m.get("primaryMetric");
            double score = ((Number) primary.get("score")).doubleValue();
            Object err = primary.get("scoreError");
            double error = err instanceof Number n ? n.doubleValue() : Double.NaN;
            out.add(new Result(benchmarkClass, method, params, score, error, (String) primary.get("scoreUnit")));
        }
        return out;
    }

    /** The Markdown table: rows by parameters, columns by method, then the ratio columns. */
    public static String table(List<Result> results, List<String> ratios) {
        List<String> methods = new ArrayList<>();
        Map<Map<String, String>, Map<String, Result>> rows = new LinkedHashMap<>();
        List<String> paramNames = new ArrayList<>();
        for (Result r : results) {
            if (!methods.contains(r.method())) {
                methods.add(r.method());
            }
            for (String k : r.params().keySet()) {
                if (!paramNames.contains(k)) {
                    paramNames.add(k);
                }
            }
            rows.computeIfAbsent(r.params(), k -> new LinkedHashMap<>()).put(r.method(), r);
        }
        StringBuilder sb = new StringBuilder("|");
        for (String p : paramNames) {
            sb.append(' ').append(p).append(" |");
        }
        for (String m : methods) {
            sb.append(' ').append(m).append(" |");
        }
        for (String ratio : ratios) {
            sb.append(' ').append(ratio).append(" |");
        }
        sb.append("\n|").append("---|".repeat(paramNames.size() + methods.size() + ratios.size())).append('\n');
        for (Map.Entry<Map<String, String>, Map<String, Result>> row : rows.entrySet()) {
            sb.append('|');
            for (String p : paramNames) {
                sb.append(' ').append(row.getKey().getOrDefault(p, "")).append(" |");
            }
            for (String m : methods) {
                Result r = row.getValue().get(m);
                sb.append(' ').append(r == null ? "—" : format(r.score()) + " ± " + format(r.error()) + " " + r.unit())
                        .append(" |");
            }
            for (String ratio : ratios) {
                String[] parts = ratio.split("/");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("a ratio is NUMERATOR/DENOMINATOR, got '" + ratio + "'");
                }
                Result num = row.getValue().get(parts[0]);
                Result den = row.getValue().get(parts[1]);
                sb.append(' ').append(num == null || den == null ? "—"
                        : String.format(Locale.ROOT, "%.2f×", num.score() / den.score())).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "?";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Just enough JSON for JMH's result file: objects, arrays, strings, numbers, true/false/null. */
    static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Object value() {
            ws();
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end of JSON");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (peek('}')) {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value());
                        ws();
                        if (peek(',')) {
                            i++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (peek(']')) {
                        i++;
                        return l;
                    }
                    while (true) {
                        l.add(value());
                        ws();
                        if (peek(',')) {
                            i++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    int start = i;
                    while (i < s.length() && ",}] \n\r\t".indexOf(s.charAt(i)) < 0) {
                        i++;
                    }
                    String tok = s.substring(start, i);
                    return switch (tok) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        case "null" -> null;
                        case "NaN" -> Double.NaN;
                        default -> Double.parseDouble(tok);
                    };
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> sb.append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
            i++;
            return sb.toString();
        }

        private boolean peek(char c) {
            return i < s.length() && s.charAt(i) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw new IllegalArgumentException("expected '" + c + "' at offset " + i + " of the JSON");
            }
            i++;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}

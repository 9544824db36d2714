package io.heapscope.bench.replay;

import java.util.LinkedHashMap;
import java.util.Map;

/** Just enough JSON for flat summaries: writes maps/strings/numbers, reads one flat object of numbers and strings. */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, "");
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, String indent) {
        if (v instanceof Map<?, ?> m) {
            sb.append("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "\n" : ",\n").append(indent).append("  ");
                quote(sb, e.getKey().toString());
                sb.append(": ");
                write(sb, e.getValue(), indent + "  ");
                first = false;
            }
            sb.append(m.isEmpty() ? "}" : "\n" + indent + "}");
        } else if (v instanceof String s) {
            quote(sb, s);
        } else if (v == null) {
            sb.append("null");
        } else {
            sb.append(v);
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Parses a flat JSON object whose values are numbers, strings, booleans or null. */
    static Map<String, Object> readFlat(String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        String body = text.strip();
        if (!body.startsWith("{") || !body.endsWith("}")) {
            throw new IllegalArgumentException("not a JSON object: " + abbreviate(body));
        }
        int i = 1;
        int n = body.length() - 1;
        while (i < n) {
            i = skipWs(body, i);
            if (i >= n) {
                break;
            }
            if (body.charAt(i) == ',') {
                i++;
                continue;
            }
            int[] end = new int[1];
            String key = readString(body, i, end);
            i = skipWs(body, end[0]);
            if (body.charAt(i) != ':') {
                throw new IllegalArgumentException("expected ':' at " + i);
            }
            i = skipWs(body, i + 1);
            Object value;
            if (body.charAt(i) == '"') {
                value = readString(body, i, end);
                i = end[0];
            } else {
                int j = i;
                while (j < n && ",}\n\r \t".indexOf(body.charAt(j)) < 0) {
                    j++;
                }
                String tok = body.substring(i, j);
                value = switch (tok) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    case "null" -> null;
                    default -> tok.matches("-?\\d+") ? (Object) Long.parseLong(tok) : (Object) Double.parseDouble(tok);
                };
                i = j;
            }
            out.put(key, value);
        }
        return out;
    }

    private static int skipWs(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static String readString(String s, int i, int[] end) {
        if (s.charAt(i) != '"') {
            throw new IllegalArgumentException("expected '\"' at " + i + ": " + abbreviate(s.substring(i)));
        }
        StringBuilder sb = new StringBuilder();
        int j = i + 1;
        while (s.charAt(j) != '"') {
            char c = s.charAt(j);
            if (c == '\\') {
                j++;
                c = s.charAt(j);
                if (c == 'u') {
                    sb.append((char) Integer.parseInt(s.substring(j + 1, j + 5), 16));
                    j += 4;
                } else {
                    sb.append(switch (c) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> c;
                    });
                }
            } else {
                sb.append(c);
            }
            j++;
        }
        end[0] = j + 1;
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}

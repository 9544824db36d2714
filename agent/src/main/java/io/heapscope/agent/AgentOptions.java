package io.heapscope.agent;

import io.heapscope.allocator.DebugVerbosity;
import io.heapscope.telemetry.SinkKind;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The agent's settings. Each key is looked up in the agent arguments ({@code key=value,key=value}), then the system
 * property {@code heapscope.<key>}, then the environment variable {@code HEAPSCOPE_<KEY>} (dots as underscores).
 *
 * <table>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>verbosity</td><td>ALLOCATIONS|RECYCLES|RELEASES</td><td>flags (names joined by '+' or '|') or mask</td></tr>
 * <tr><td>hooks</td><td>all</td><td>direct, unsafe, ffm, mapped, netty, ..., heapscope (use '+' between names in agent args)</td></tr>
 * <tr><td>sinks</td><td>jfr+otel</td><td>jfr, otel, log</td></tr>
 * <tr><td>stacks</td><td>true</td><td>stack traces on allocation events of the recording the agent starts</td></tr>
 * <tr><td>jfr.file</td><td>(none)</td><td>start a recording with Heapscope settings and dump it here at exit</td></tr>
 * <tr><td>jfr.maxsize</td><td>512m</td><td>bound of that recording on disk (k, m, g suffixes; 0 = unbounded)</td></tr>
 * <tr><td>jfr.maxage</td><td>6h</td><td>age bound of that recording (s, m, h, d suffixes; 0 = unbounded)</td></tr>
 * </table>
 */
public record AgentOptions(int verbosity, String hooksSpec, Set<SinkKind> sinks, boolean stacks, Path jfrFile,
                           long jfrMaxSize, java.time.Duration jfrMaxAge) {
    /** The agent's own recording is bounded unless told otherwise: a long-running service must not fill its disk. */
    public static final long DEFAULT_JFR_MAX_SIZE = 512L << 20;
    public static final java.time.Duration DEFAULT_JFR_MAX_AGE = java.time.Duration.ofHours(6);

    /** The hooks found by ServiceLoader, then {@code heapscope} (the allocator's own telemetry, no bytecode). */
    public static List<String> hookNames() {
        return Known.HOOKS;
    }

    /** Loaded on first use only: an agent with every flag off never runs the ServiceLoader. */
    private static final class Known {
        static final List<String> HOOKS = findHooks();
    }

    /** The selected hooks ({@code all} resolved through the ServiceLoader). */
    public Set<String> hooks() {
        return hookSet(hooksSpec);
    }
    static final String DEFAULT_VERBOSITY = "ALLOCATIONS|RECYCLES|RELEASES";

    private static List<String> findHooks() {
        List<String> names = new java.util.ArrayList<>();
        for (io.heapscope.agent.hooks.FrameworkHook h : AgentInstaller.availableHooks()) {
            names.add(h.name());
        }
        names.add("heapscope");
        return List.copyOf(names);
    }

    /**
     * Only the verbosity, looked up as {@link #parse} does, loading nothing else (no hook is looked up: hook classes
     * must not load before the agent has put its dispatcher into the bootstrap loader).
     */
    static int verbosityOf(String agentArgs) {
        String v = null;
        if (agentArgs != null) {
            for (String kv : agentArgs.split(",")) {
                int eq = kv.indexOf('=');
                if (eq > 0 && kv.substring(0, eq).strip().equals("verbosity")) {
                    v = kv.substring(eq + 1).strip();
                }
            }
        }
        if (v == null) {
            v = lookup("verbosity", Map.of(), System.getProperties(), System.getenv(), DEFAULT_VERBOSITY);
        }
        return parseVerbosity(v);
    }

    private static int parseVerbosity(String v) {
        // inside agent arguments ',' separates options, so flag lists use '+' (a leading '+' is a number's sign)
        return DebugVerbosity.parse(v.strip().startsWith("+") ? v : v.replace('+', '|'));
    }

    public static AgentOptions parse(String agentArgs) {
        return parse(agentArgs, System.getProperties(), System.getenv());
    }

    static AgentOptions parse(String agentArgs, java.util.Properties props, Map<String, String> env) {
        Map<String, String> args = new LinkedHashMap<>();
        if (agentArgs != null && !agentArgs.isBlank()) {
            for (String kv : agentArgs.split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("agent option '" + kv + "' is not key=value");
                }
                String key = kv.substring(0, eq).strip();
                if (!List.of("verbosity", "hooks", "sinks", "stacks", "jfr.file", "jfr.maxsize", "jfr.maxage")
                        .contains(key)) {
                    throw new IllegalArgumentException("unknown agent option '" + key
                            + "' (known: verbosity, hooks, sinks, stacks, jfr.file, jfr.maxsize, jfr.maxage)");
                }
                args.put(key, kv.substring(eq + 1).strip());
            }
        }
        String v = lookup("verbosity", args, props, env, DEFAULT_VERBOSITY);
        int verbosity = parseVerbosity(v);
        String hooksSpec = lookup("hooks", args, props, env, "all");
        if (!hooksSpec.strip().equalsIgnoreCase("all")) {
            hookSet(hooksSpec); // validates the names now (the default, all, needs no look-up)
        }
        Set<SinkKind> sinks = SinkKind.parse(lookup("sinks", args, props, env, "jfr+otel").replace('+', ','));
        String stacks = lookup("stacks", args, props, env, "true");
        if (!stacks.equals("true") && !stacks.equals("false")) {
            throw new IllegalArgumentException("stacks='" + stacks + "' must be true or false");
        }
        String file = lookup("jfr.file", args, props, env, null);
        String size = lookup("jfr.maxsize", args, props, env, null);
        long maxSize = size == null ? DEFAULT_JFR_MAX_SIZE : parseSize(size);
        String age = lookup("jfr.maxage", args, props, env, null);
        java.time.Duration maxAge = age == null ? DEFAULT_JFR_MAX_AGE : parseAge(age);
        return new AgentOptions(verbosity, hooksSpec, sinks, Boolean.parseBoolean(stacks),
                file == null ? null : Path.of(file), maxSize, maxAge);
    }

    /** {@code 512m}, {@code 2g}, {@code 100000}; 0 for no bound. */
    static long parseSize(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        int shift = t.endsWith("k") ? 10 : t.endsWith("m") ? 20 : t.endsWith("g") ? 30 : 0;
        try {
            long v = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1).strip());
            if (v < 0 || v > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException("out of range");
            }
            return v << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("jfr.maxsize='" + text + "' is not a size (e.g. 512m, 2g, 0 for none)");
        }
    }

    /** {@code 30s}, {@code 15m}, {@code 6h}, {@code 2d}; 0 for no bound. */
    static java.time.Duration parseAge(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("0")) {
                return java.time.Duration.ZERO;
            }
            long v = Long.parseLong(t.substring(0, t.length() - 1).strip());
            java.time.Duration d = switch (t.charAt(t.length() - 1)) {
                case 's' -> java.time.Duration.ofSeconds(v);
                case 'm' -> java.time.Duration.ofMinutes(v);
                case 'h' -> java.time.Duration.ofHours(v);
                case 'd' -> java.time.Duration.ofDays(v);
                default -> throw new NumberFormatException("unit");
            };
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return d;
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("jfr.maxage='" + text + "' is not an age (e.g. 30m, 6h, 2d, 0 for none)");
        }
    }

    private static Set<String> hookSet(String spec) {
        Set<String> hooks = new TreeSet<>();
        for (String h : spec.split("[+|;]")) {
            String name = h.strip().toLowerCase(Locale.ROOT);
            if (name.equals("all")) {
                hooks.addAll(hookNames());
            } else if (name.equals("none") || name.isEmpty()) {
                continue;
            } else if (hookNames().contains(name)) {
                hooks.add(name);
            } else {
                throw new IllegalArgumentException("unknown hook '" + h + "' (known: " + String.join(", ", hookNames())
                        + ", all, none)");
            }
        }
        return hooks;
    }

    private static String lookup(String key, Map<String, String> args, java.util.Properties props,
                                 Map<String, String> env, String dflt) {
        if (args.containsKey(key)) {
            return args.get(key);
        }
        String p = props.getProperty("heapscope." + key);
        if (p != null) {
            return p;
        }
        String e = env.get("HEAPSCOPE_" + key.toUpperCase(Locale.ROOT).replace('.', '_'));
        return e != null ? e : dflt;
    }
}

package io.heapscope.telemetry.otel;

import io.opentelemetry.api.trace.Span;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which allocator events become spans. A busy allocator makes millions of events a second: as root spans they flood a
 * tracing backend with one-span traces and overflow the SDK's batch queue, which then drops spans at random, failures
 * among them. So by default buffer and heap events become spans only inside a trace the application started
 * ({@code in-trace}), at most {@link #maxPerSecond()} a second per allocator, optionally sampled; allocation failures
 * always become spans (roots if need be) and are never sampled or rate-limited.
 *
 * <p>Settings, system property or environment: {@code heapscope.otel.spans} / {@code HEAPSCOPE_OTEL_SPANS} =
 * {@code in-trace} (default), {@code all} or {@code failures}; {@code heapscope.otel.spans.ratio} (0..1, default 1);
 * {@code heapscope.otel.spans.max_per_second} (default 1000; 0 = no limit).
 *
 * @param mode         in-trace, all, or failures (only allocation failures)
 * @param ratio        fraction of eligible events kept (deterministic: every 1/ratio-th)
 * @param maxPerSecond cap on spans per second and allocator, 0 for none
 */
public record SpanPolicy(Mode mode, double ratio, long maxPerSecond) {

    public enum Mode { IN_TRACE, ALL, FAILURES }

    public static final SpanPolicy DEFAULT = new SpanPolicy(Mode.IN_TRACE, 1.0, 1000);
    /** Every event a span: for tests and for short, targeted sessions. */
    public static final SpanPolicy EVERY_EVENT = new SpanPolicy(Mode.ALL, 1.0, 0);

    public SpanPolicy {
        if (!(ratio > 0.0 && ratio <= 1.0)) {
            throw new IllegalArgumentException("heapscope.otel.spans.ratio=" + ratio + " must be within (0, 1]");
        }
        if (maxPerSecond < 0) {
            throw new IllegalArgumentException("heapscope.otel.spans.max_per_second=" + maxPerSecond
                    + " must be 0 (no limit) or positive");
        }
    }

    /** From system properties, then the environment; unset values take {@link #DEFAULT}'s. */
    public static SpanPolicy from(Properties p, Map<String, String> env) {
        String mode = get(p, env, "heapscope.otel.spans", "HEAPSCOPE_OTEL_SPANS");
        String ratio = get(p, env, "heapscope.otel.spans.ratio", "HEAPSCOPE_OTEL_SPANS_RATIO");
        String max = get(p, env, "heapscope.otel.spans.max_per_second", "HEAPSCOPE_OTEL_SPANS_MAX_PER_SECOND");
        Mode m = DEFAULT.mode;
        if (mode != null) {
            m = switch (mode.strip().toLowerCase(Locale.ROOT)) {
                case "in-trace", "in_trace" -> Mode.IN_TRACE;
                case "all" -> Mode.ALL;
                case "failures" -> Mode.FAILURES;
                default -> throw new IllegalArgumentException("heapscope.otel.spans='" + mode
                        + "' (known: in-trace, all, failures)");
            };
        }
        try {
            return new SpanPolicy(m, ratio == null ? DEFAULT.ratio : Double.parseDouble(ratio.strip()),
                    max == null ? DEFAULT.maxPerSecond : Long.parseLong(max.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("heapscope.otel.spans.ratio / max_per_second: not a number (" + ratio
                    + ", " + max + ")", e);
        }
    }

    public static SpanPolicy fromSystem() {
        return from(System.getProperties(), System.getenv());
    }

    private static String get(Properties p, Map<String, String> env, String property, String variable) {
        String v = p.getProperty(property);
        return v != null ? v : env.get(variable);
    }

    /** The per-allocator (or per-sink) state that applies this policy. */
    public Gate gate() {
        return new Gate(this);
    }

    /** Decides event by event; thread-safe, lock-free. */
    public static final class Gate {
        private final SpanPolicy policy;
        private final long every;
        private final AtomicLong seen = new AtomicLong();
        private final AtomicLong windowStart = new AtomicLong();
        private final AtomicLong inWindow = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();

        Gate(SpanPolicy policy) {
            this.policy = policy;
            this.every = Math.max(1, Math.round(1.0 / policy.ratio));
        }

        /** Whether an ordinary (non-failure) event is eligible now; no side effect, asked before the event is built. */
        public boolean eligible() {
            return switch (policy.mode) {
                case FAILURES -> false;
                case IN_TRACE -> Span.current().getSpanContext().isValid();
                case ALL -> true;
            };
        }

        /** Counts an eligible event against sampling and the rate limit; true if it becomes a span. */
        public boolean take() {
            if (every > 1 && seen.getAndIncrement() % every != 0) {
                return false;
            }
            if (policy.maxPerSecond > 0) {
                long second = System.nanoTime() / 1_000_000_000L;
                long start = windowStart.get();
                if (start != second && windowStart.compareAndSet(start, second)) {
                    inWindow.set(0);
                }
                if (inWindow.incrementAndGet() > policy.maxPerSecond) {
                    dropped.incrementAndGet();
                    return false;
                }
            }
            return true;
        }

        public long dropped() {
            return dropped.get();
        }
    }
}

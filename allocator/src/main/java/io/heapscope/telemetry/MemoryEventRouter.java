package io.heapscope.telemetry;

import io.heapscope.allocator.DebugVerbosity;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one place every allocation, recycle, free and release passes: it applies the seed's verbosity flags and hands
 * events to the configured sinks (log lines, JFR, OpenTelemetry). Flags and sinks can change at run time.
 *
 * <p>Hot path: callers test {@link #isEnabled(MemoryEventKind, boolean)} (one volatile read and a mask test) and build
 * a {@link MemoryEvent} only when it returns true, so SILENT costs a flag test and nothing else.
 */
public final class MemoryEventRouter {

    private static final MemoryEventSink[] NO_SINKS = new MemoryEventSink[0];

    private volatile int verbosity;
    private volatile MemoryEventSink[] sinks = NO_SINKS;
    private final LongAdder sinkFailures = new LongAdder();

    public MemoryEventRouter(int verbosity) {
        setVerbosity(verbosity);
    }

    public int verbosity() {
        return verbosity;
    }

    public void setVerbosity(int mask) {
        if (mask < 0 || mask > DebugVerbosity.ALL) {
            throw new IllegalArgumentException("invalid debug verbosity mask " + mask + " (must be within 0.."
                    + DebugVerbosity.ALL + ")");
        }
        this.verbosity = mask;
    }

    /** True if an event of this kind for a pool of this size class would be delivered now. */
    public boolean isEnabled(MemoryEventKind kind, boolean smallPool) {
        int mask = verbosity;
        if (mask == 0) {
            return false;
        }
        DebugVerbosity flag = kind.flag();
        if (flag != null && (mask & flag.bit()) == 0) {
            return false;
        }
        return !smallPool || (mask & DebugVerbosity.LARGE_ONLY.bit()) == 0 || flag == null
                || kind == MemoryEventKind.POOL_STATISTICS || kind == MemoryEventKind.MEMORY_PRESSURE;
    }

    /** Delivers the event to every sink; a failing sink is counted and skipped. */
    public void emit(MemoryEvent event) {
        for (MemoryEventSink sink : sinks) {
            try {
                sink.accept(event);
            } catch (RuntimeException | LinkageError e) {
                sinkFailures.increment();
            }
        }
    }

    public synchronized void addSink(MemoryEventSink sink) {
        Objects.requireNonNull(sink, "sink");
        MemoryEventSink[] next = Arrays.copyOf(sinks, sinks.length + 1);
        next[next.length - 1] = sink;
        sinks = next;
    }

    public synchronized boolean removeSink(MemoryEventSink sink) {
        MemoryEventSink[] cur = sinks;
        for (int i = 0; i < cur.length; i++) {
            if (cur[i] == sink) {
                MemoryEventSink[] next = new MemoryEventSink[cur.length - 1];
                System.arraycopy(cur, 0, next, 0, i);
                System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                sinks = next;
                return true;
            }
        }
        return false;
    }

    public MemoryEventSink[] sinks() {
        return sinks.clone();
    }

    /** Exceptions thrown by sinks so far (suppressed so the allocating thread never sees them). */
    public long sinkFailures() {
        return sinkFailures.sum();
    }
}

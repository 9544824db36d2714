package io.heapscope.agent.bootstrap;

/**
 * The only classes the agent puts on the bootstrap class path: advice inlined into JDK classes calls
 * {@link #allocated}/{@link #released}, which forward to the agent's hook when one is installed. Kept to JDK types so it
 * can live beside java.base. Never throws: a failing hook is counted.
 */
public final class HeapscopeDispatch {
    /** What the agent installs. */
    public interface Hook {
        void allocated(String framework, long address, long size);

        void released(String framework, long address, long size);
    }

    private static volatile Hook hook;
    private static final java.util.concurrent.atomic.AtomicLong FAILURES = new java.util.concurrent.atomic.AtomicLong();

    private HeapscopeDispatch() {
    }

    public static void install(Hook h) {
        hook = h;
    }

    public static void allocated(String framework, long address, long size) {
        Hook h = hook;
        if (h != null) {
            try {
                h.allocated(framework, address, size);
            } catch (Throwable t) {
                FAILURES.incrementAndGet();
            }
        }
    }

    public static void released(String framework, long address, long size) {
        Hook h = hook;
        if (h != null) {
            try {
                h.released(framework, address, size);
            } catch (Throwable t) {
                FAILURES.incrementAndGet();
            }
        }
    }

    /** Hook failures suppressed so far. */
    public static long failures() {
        return FAILURES.get();
    }
}

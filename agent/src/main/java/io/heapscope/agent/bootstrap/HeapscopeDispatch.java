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

        /** {@code size} -1: unknown here, the hook looks it up. */
        void released(String framework, long address, long size);

        /** A native segment of an FFM arena; the hook registers for the arena's close. */
        void segmentAllocated(Object segment, Object session, long size);
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

    public static void segmentAllocated(Object segment, Object session, long size) {
        Hook h = hook;
        if (h != null) {
            try {
                h.segmentAllocated(segment, session, size);
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

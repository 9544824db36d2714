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

        /** A step of a pooled allocator (one of the {@code POOL_*} codes). */
        void poolEvent(String framework, int what, long size);
    }

    /** A pooled allocation starts on this thread. */
    public static final int POOL_ALLOCATE_ENTER = 1;
    /** The pool obtained a new chunk (during an allocation, if one is under way on this thread). */
    public static final int POOL_CHUNK_NEW = 2;
    /** The pooled allocation of {@code size} bytes ends. */
    public static final int POOL_ALLOCATE_EXIT = 3;
    /** A buffer of {@code size} bytes went back to its pool or thread cache. */
    public static final int POOL_FREE = 4;
    /** The pool gave a chunk back. */
    public static final int POOL_CHUNK_DESTROY = 5;
    /** An unpooled buffer was allocated. */
    public static final int UNPOOLED_ALLOCATE = 6;
    /** An unpooled buffer was released. */
    public static final int UNPOOLED_RELEASE = 7;

    private static volatile Hook hook;
    /** False while every verbosity flag is off: advice then costs one volatile read and a branch. */
    private static volatile boolean active;
    private static final java.util.concurrent.atomic.AtomicLong FAILURES = new java.util.concurrent.atomic.AtomicLong();

    private HeapscopeDispatch() {
    }

    public static void install(Hook h) {
        hook = h;
    }

    /** Switches event delivery on or off (the agent follows its verbosity flags). */
    public static void activate(boolean on) {
        active = on;
    }

    public static void allocated(String framework, long address, long size) {
        if (!active) {
            return;
        }
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
        if (!active) {
            return;
        }
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
        if (!active) {
            return;
        }
        Hook h = hook;
        if (h != null) {
            try {
                h.segmentAllocated(segment, session, size);
            } catch (Throwable t) {
                FAILURES.incrementAndGet();
            }
        }
    }

    public static void poolEvent(String framework, int what, long size) {
        if (!active) {
            return;
        }
        Hook h = hook;
        if (h != null) {
            try {
                h.poolEvent(framework, what, size);
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

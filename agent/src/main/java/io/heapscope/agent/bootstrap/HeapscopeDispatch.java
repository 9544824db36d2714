package io.heapscope.agent.bootstrap;

/**
 * The only classes the agent puts into the bootstrap loader (this class, {@link Hook} and {@link Scope}): advice
 * inlined into JDK and library classes calls {@link #event} and {@link #enter}/{@link #exit}, which forward to the
 * agent when it is active. Generic: it knows memory lifecycle steps, never a framework. JDK types only, so it can live
 * beside java.base. Never throws: a failing hook is counted.
 *
 * <p>Layers: a hook whose framework allocates through another hooked mechanism (Netty through FFM, a mapping through
 * the JDK) wraps its allocating method in {@link #enter}/{@link #exit}. While a thread is inside a scope, events of other
 * frameworks are not reported on their own: the first such allocation becomes the {@link Scope#inner mechanism} of the
 * scope owner's next event. So each byte is attributed once, to the outermost framework.
 */
public final class HeapscopeDispatch {
    /** What the agent installs. */
    public interface Hook {
        /**
         * One lifecycle step.
         *
         * @param context     a kind-specific object (for {@link #ALLOCATE_IN_SESSION}: the memory session)
         * @param inner       the mechanism that allocated inside the caller's scope for this event, or null
         * @param attribute   the scope's attribute (a mapping's file), or null
         * @param allocations allocations the framework reported earlier in the same outermost scope
         */
        void onEvent(String framework, int kind, long address, long size, Object context, String inner,
                     String attribute, int allocations);
    }

    /** Memory obtained from the system (or from a lower layer): a buffer, a chunk, a mapping. */
    public static final int ALLOCATE = 1;
    /** As {@link #ALLOCATE}; its size is remembered by address for a later {@link #FREE} whose size is -1. */
    public static final int ALLOCATE_TRACKED = 2;
    /** As {@link #ALLOCATE}; freed when the session given as context closes. */
    public static final int ALLOCATE_IN_SESSION = 3;
    /** Memory given back; size -1: look it up by address (see {@link #ALLOCATE_TRACKED}). */
    public static final int FREE = 4;
    /** A buffer carved out of pooled memory (size: requested); a new chunk during the scope makes it fresh. */
    public static final int POOLED_ALLOCATE = 5;
    /** A pooled buffer went back to its pool. */
    public static final int POOLED_FREE = 6;
    /** A pool took a cached chunk back into use instead of allocating one. */
    public static final int CHUNK_REUSE = 7;
    /** A file region mapped into memory (the scope's attribute: the file). */
    public static final int MAP = 8;
    /** A mapping unmapped. */
    public static final int UNMAP = 9;

    /** Per-thread nesting state. */
    public static final class Scope {
        /** Nesting depth of {@link #enter} calls; 0 outside any scope. */
        public int depth;
        /** The framework of the outermost scope. */
        public String owner;
        /** The first other mechanism that allocated inside the outermost scope since its last event. */
        public String inner;
        /** An attribute of the outermost scope (a mapping's file). */
        public String attribute;
        /** Allocations the owner reported inside the outermost scope. */
        public int allocations;

        /** Starts an outermost scope of {@code scopeOwner} (or, with nulls, ends it). */
        void reset(String scopeOwner, String scopeAttribute) {
            owner = scopeOwner;
            attribute = scopeAttribute;
            inner = null;
            allocations = 0;
        }
    }

    private static volatile Hook hook;
    /** False while every verbosity flag is off: advice then costs one volatile read and a branch. */
    private static volatile boolean active;
    private static final ThreadLocal<Scope> SCOPE = new ThreadLocal<>();
    private static final java.util.concurrent.atomic.AtomicLong FAILURES = new java.util.concurrent.atomic.AtomicLong();
    /** The agent's own scope owner: events raised while the agent itself works are dropped (never recorded). */
    private static final String AGENT = "heapscope-agent";

    private HeapscopeDispatch() {
    }

    public static void install(Hook h) {
        hook = h;
    }

    /** Switches event delivery on or off (the agent follows its verbosity flags). */
    public static void activate(boolean on) {
        active = on;
    }

    /**
     * Enters a scope of {@code framework}. Returns a token for {@link #exit}: 0 nothing entered (inactive), 1 the
     * outermost scope, 2 a nested one (the caller then reports nothing of its own: an outer scope already does).
     */
    public static int enter(String framework, String attribute) {
        if (!active) {
            return 0;
        }
        Scope s = scope();
        if (s.depth++ == 0) {
            s.reset(framework, attribute);
            return 1;
        }
        return 2;
    }

    public static void exit(int token) {
        if (token != 0) {
            Scope s = scope();
            if (s.depth > 0 && --s.depth == 0) {
                s.reset(null, null);
            }
        }
    }

    /** True while this thread is inside a scope (of any framework). */
    public static boolean nested() {
        return active && scope().depth > 0;
    }

    public static void event(String framework, int kind, long address, long size, Object context) {
        if (!active) {
            return;
        }
        Hook h = hook;
        if (h == null) {
            return;
        }
        Scope s = scope();
        if (s.depth > 0 && !framework.equals(s.owner)) {
            if (s.inner == null && allocates(kind) && !AGENT.equals(s.owner)) {
                s.inner = framework;
            }
            return;
        }
        int depth = s.depth;
        String owner = s.owner;
        String inner = s.inner;
        String attribute = s.attribute;
        // the agent's own work runs in its own scope: whatever it allocates is not reported
        s.depth = depth + 1;
        s.owner = AGENT;
        try {
            h.onEvent(framework, kind, address, size, context, inner, attribute, depth == 0 ? 0 : s.allocations);
        } catch (Throwable t) {
            FAILURES.incrementAndGet();
        } finally {
            s.depth = depth;
            s.owner = owner;
            if (depth > 0 && allocates(kind)) {
                s.allocations++;
                s.inner = null;
            } else if (depth == 0) {
                s.reset(null, null);
            }
        }
    }

    /** Kinds that obtain memory (the inner mechanism of a scope is the first of these). */
    private static boolean allocates(int kind) {
        return kind <= ALLOCATE_IN_SESSION || kind == MAP;
    }

    /** No lambda or anonymous class: only the three named classes are defined in the bootstrap loader. */
    private static Scope scope() {
        Scope s = SCOPE.get();
        if (s == null) {
            s = new Scope();
            SCOPE.set(s);
        }
        return s;
    }

    /** Hook failures suppressed so far. */
    public static long failures() {
        return FAILURES.get();
    }
}

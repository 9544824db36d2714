package io.heapscope.agent;

import io.heapscope.agent.otel.FrameworkMetrics;
import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import io.heapscope.agent.events.AgentSink;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the dispatcher's generic lifecycle steps into the agent's events on its sinks, gated by the verbosity flags
 * (ALLOCATIONS: allocations, mappings and pooled buffers that needed a chunk; RECYCLES: pooled buffers served from
 * pooled memory and reused chunks; RELEASES: frees and unmappings). It knows no framework: hooks name theirs. Runs
 * inside the dispatcher's agent scope, so memory its sinks allocate is never reported.
 */
final class FrameworkEvents implements HeapscopeDispatch.Hook {
    static final int ALLOCATIONS = 1 << 1;
    static final int RECYCLES = 1 << 2;
    static final int RELEASES = 1 << 3;
    /** Live mappings whose file name is kept for the unmapping event (mappings are few; bounded anyway). */
    private static final int MAX_MAPPINGS = 1 << 16;

    private volatile int verbosity;
    private final AgentSink[] sinks;
    private final LiveAddresses live = new LiveAddresses(LiveAddresses.DEFAULT_MAX_BYTES);
    private final ConcurrentHashMap<Long, String> mappedFiles = new ConcurrentHashMap<>();
    private final Method addCloseAction;

    FrameworkEvents(int verbosity, List<AgentSink> sinks, Method addCloseAction) {
        this.verbosity = verbosity;
        this.sinks = sinks.toArray(AgentSink[]::new);
        this.addCloseAction = addCloseAction;
    }

    void setVerbosity(int v) {
        verbosity = v;
    }

    @Override
    public void onEvent(String framework, int kind, long address, long size, Object context, String inner,
                        String attribute, int allocations) {
        int v = verbosity;
        switch (kind) {
            case HeapscopeDispatch.ALLOCATE, HeapscopeDispatch.ALLOCATE_TRACKED, HeapscopeDispatch.ALLOCATE_IN_SESSION -> {
                // metrics count every allocation, whatever the flags, so the frees they need are tracked too
                FrameworkMetrics.of(framework).allocated(size);
                if (kind == HeapscopeDispatch.ALLOCATE_TRACKED) {
                    live.put(address, size);
                } else if (kind == HeapscopeDispatch.ALLOCATE_IN_SESSION) {
                    releaseOnClose(context, framework, address, size);
                }
                if ((v & ALLOCATIONS) == 0) {
                    return;
                }
                for (AgentSink s : sinks) {
                    s.allocation(framework, inner, size, address);
                }
            }
            case HeapscopeDispatch.FREE -> {
                long known = size >= 0 ? size : live.remove(address);
                if (known < 0) {
                    return; // not allocated through a hook (or dropped from the bounded map): counted there
                }
                FrameworkMetrics.of(framework).freed(known);
                if ((v & RELEASES) == 0) {
                    return;
                }
                for (AgentSink s : sinks) {
                    s.free(framework, inner, known, address);
                }
            }
            case HeapscopeDispatch.MAP -> {
                FrameworkMetrics.of(framework).allocated(size);
                if (attribute != null && mappedFiles.size() < MAX_MAPPINGS) {
                    mappedFiles.put(address, attribute);
                }
                if ((v & ALLOCATIONS) == 0) {
                    return;
                }
                for (AgentSink s : sinks) {
                    s.mapping(framework, attribute, size, address);
                }
            }
            case HeapscopeDispatch.UNMAP -> {
                FrameworkMetrics.of(framework).freed(size);
                String file = mappedFiles.remove(address);
                if ((v & RELEASES) == 0) {
                    return;
                }
                for (AgentSink s : sinks) {
                    s.unmapping(framework, file, size, address);
                }
            }
            case HeapscopeDispatch.POOLED_ALLOCATE -> {
                boolean fresh = allocations > 0;
                if ((v & (fresh ? ALLOCATIONS : RECYCLES)) == 0) {
                    return;
                }
                for (AgentSink s : sinks) {
                    s.pooledAllocation(framework, size, fresh);
                }
            }
            case HeapscopeDispatch.POOLED_FREE -> {
                if ((v & RELEASES) == 0) {
                    return;
                }
                for (AgentSink s : sinks) {
                    s.pooledFree(framework, size);
                }
            }
            case HeapscopeDispatch.CHUNK_REUSE -> {
                if ((v & RECYCLES) == 0 || allocations > 0) {
                    return; // a chunk the same operation just allocated is not a reuse
                }
                for (AgentSink s : sinks) {
                    s.chunkReuse(framework, size);
                }
            }
            default -> {
            }
        }
    }

    /**
     * Registers a close action on the memory session, so closing its arena reports the free. Returns false when it
     * cannot (no close-action method, or a session that takes none: the global arena's memory is never freed).
     */
    private boolean releaseOnClose(Object session, String framework, long address, long size) {
        if (addCloseAction == null || session == null) {
            return false;
        }
        try {
            addCloseAction.invoke(session, new SessionRelease(framework, address, size));
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false; // a session that takes no close action (the global arena's): its memory is never freed
        }
    }

    /** A named class (not a lambda) so JFR's stack filter can cut it from the free's stack. */
    private static final class SessionRelease implements Runnable {
        private final String framework;
        private final long address;
        private final long size;

        SessionRelease(String framework, long address, long size) {
            this.framework = framework;
            this.address = address;
            this.size = size;
        }

        @Override
        public void run() {
            HeapscopeDispatch.event(framework, HeapscopeDispatch.FREE, address, size, null);
        }
    }

}

package io.heapscope.agent.bootstrap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.CHUNK_REUSE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.FREE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.POOLED_ALLOCATE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The dispatcher's scopes: each allocation reported once, to the outermost framework, with the inner mechanism. */
class HeapscopeDispatchTest {
    record Seen(String framework, int kind, long size, String inner, String attribute, int allocations) {
    }

    private final List<Seen> seen = new ArrayList<>();

    @BeforeEach
    void install() {
        HeapscopeDispatch.install((framework, kind, address, size, context, inner, attribute, allocations) -> {
            seen.add(new Seen(framework, kind, size, inner, attribute, allocations));
            HeapscopeDispatch.event("ffm", ALLOCATE, 1, 99, null); // the agent's own work allocating: dropped
        });
        HeapscopeDispatch.activate(true);
    }

    @AfterEach
    void uninstall() {
        HeapscopeDispatch.activate(false);
        HeapscopeDispatch.install(null);
    }

    @Test
    void innerAllocationsBecomeTheOuterEventsMechanism() {
        int buffer = HeapscopeDispatch.enter("netty", null);           // a pooled allocation
        int chunk = HeapscopeDispatch.enter("netty", null);            // needs a chunk
        HeapscopeDispatch.event("ffm", ALLOCATE, 10, 4096, null);      // the chunk's memory, through FFM
        HeapscopeDispatch.event("netty", ALLOCATE, 0, 4096, null);     // the chunk
        HeapscopeDispatch.exit(chunk);
        HeapscopeDispatch.event("netty", CHUNK_REUSE, 0, 4096, null);  // attached in the same operation
        HeapscopeDispatch.event("netty", POOLED_ALLOCATE, 0, 100, null);
        HeapscopeDispatch.exit(buffer);
        HeapscopeDispatch.event("ffm", ALLOCATE, 20, 64, null);        // outside any scope: ffm's own
        assertEquals(1, buffer);
        assertEquals(2, chunk, "nested scope of the same framework");
        assertEquals(List.of(
                new Seen("netty", ALLOCATE, 4096, "ffm", null, 0),
                new Seen("netty", CHUNK_REUSE, 4096, null, null, 1),
                new Seen("netty", POOLED_ALLOCATE, 100, null, null, 1),
                new Seen("ffm", ALLOCATE, 64, null, null, 0)), seen,
                "the chunk once, under netty with ffm as mechanism; the pooled buffer knows a chunk was made");
    }

    @Test
    void scopesCarryAttributesAndEndCleanly() {
        int map = HeapscopeDispatch.enter("mapped", "/data/index.bin");
        HeapscopeDispatch.event("mapped", HeapscopeDispatch.MAP, 1, 8192, null);
        HeapscopeDispatch.exit(map);
        HeapscopeDispatch.event("unsafe", FREE, 5, 16, null);
        assertEquals(List.of(new Seen("mapped", HeapscopeDispatch.MAP, 8192, null, "/data/index.bin", 0),
                new Seen("unsafe", FREE, 16, null, null, 0)), seen);
        assertEquals(false, HeapscopeDispatch.nested());
    }

    @Test
    void inactiveMeansNothingAndNoScope() {
        HeapscopeDispatch.activate(false);
        int token = HeapscopeDispatch.enter("netty", null);
        HeapscopeDispatch.event("netty", ALLOCATE, 0, 1, null);
        HeapscopeDispatch.exit(token);
        assertEquals(0, token);
        assertEquals(List.of(), seen);
    }

    @Test
    void aThrowingHookIsCountedNotPropagated() {
        HeapscopeDispatch.install((framework, kind, address, size, context, inner, attribute, allocations) -> {
            throw new IllegalStateException("boom");
        });
        long before = HeapscopeDispatch.failures();
        HeapscopeDispatch.event("unsafe", ALLOCATE, 1, 1, null);
        assertEquals(before + 1, HeapscopeDispatch.failures());
        assertEquals(false, HeapscopeDispatch.nested(), "the scope is restored after a failure");
    }
}

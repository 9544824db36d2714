package io.heapscope.agent.hooks;

import io.heapscope.agent.weave.MethodHook;

import java.util.List;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE_IN_SESSION;
import static io.heapscope.agent.weave.Code.*;

/**
 * {@code java.lang.foreign}: every native segment an arena allocates passes
 * {@code jdk.internal.foreign.SegmentFactories.allocateNativeSegment}; the agent reports it and registers a close
 * action on its session, so closing the arena (or, for automatic arenas, collecting it) reports the free. Mapped
 * segments are the {@code mapped} hook's. Framework name: {@value #FRAMEWORK}.
 */
public final class FfmArenaHook implements FrameworkHook {
    public static final String FRAMEWORK = "ffm";

    @Override
    public String name() {
        return "ffm";
    }


    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("jdk.internal.foreign.SegmentFactories");
    }

    @Override
    public List<MethodHook> methodHooks() {
        try {
            Class.forName("jdk.internal.foreign.SegmentFactories", false, null);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this JDK has no jdk.internal.foreign.SegmentFactories", e);
        }
        // allocateNativeSegment(byteSize, byteAlignment, session, ...): the segment, freed when the session closes
        return List.of(MethodHook.in("jdk.internal.foreign.SegmentFactories").method("allocateNativeSegment").args(5)
                .atReturn(event(FRAMEWORK, ALLOCATE_IN_SESSION,
                        returned().callInterface("java.lang.foreign.MemorySegment", "address", "()J"), arg(0), arg(2))));
    }
}

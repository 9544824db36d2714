package io.heapscope.agent.hooks;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

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
    public String testedWith() {
        return "JDK 25";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("jdk.internal.foreign.SegmentFactories");
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        try {
            Class.forName("jdk.internal.foreign.SegmentFactories", false, null);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this JDK has no jdk.internal.foreign.SegmentFactories", e);
        }
        return builder.type(named("jdk.internal.foreign.SegmentFactories"))
                .transform((b, type, loader, module, domain) -> b.visit(Advice.to(AllocateAdvice.class)
                        .on(named("allocateNativeSegment").and(takesArguments(5)))));
    }

    static final class AllocateAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Argument(0) long bytes, @Advice.Argument(2) Object session, @Advice.Return Object segment) {
            HeapscopeDispatch.event("ffm", HeapscopeDispatch.ALLOCATE_IN_SESSION,
                    ((java.lang.foreign.MemorySegment) segment).address(), bytes, session);
        }
    }
}

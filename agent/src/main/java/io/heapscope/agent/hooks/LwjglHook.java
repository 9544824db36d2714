package io.heapscope.agent.hooks;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * LWJGL 3 ({@code org.lwjgl:lwjgl}) {@code MemoryUtil}: {@code memAlloc/memCalloc/memRealloc/memFree} and their
 * {@code nmem*} forms (and the aligned ones) with the allocator LWJGL is configured with. Every public path passes the
 * {@code nmem*} primitives hooked here; nested calls report once (the outermost). A reallocation is a free of the
 * old block and an allocation of the new one; frees take the size remembered by address. Framework name:
 * {@value #FRAMEWORK}.
 */
public final class LwjglHook implements FrameworkHook {
    public static final String FRAMEWORK = "lwjgl";
    private static final String MEMORY_UTIL = "org.lwjgl.system.MemoryUtil";

    @Override
    public String name() {
        return FRAMEWORK;
    }

    @Override
    public String testedWith() {
        return "lwjgl 3.4.3";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of(MEMORY_UTIL);
    }

    @Override
    public java.util.List<String> libraryPrefixes() {
        return java.util.List.of("org.lwjgl.");
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        return builder.type(named(MEMORY_UTIL), Library.has(MEMORY_UTIL))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(AllocAdvice.class).on(named("nmemAlloc").or(named("nmemAllocChecked"))
                                .and(takesArguments(long.class))))
                        .visit(Advice.to(CallocAdvice.class).on(named("nmemCalloc").or(named("nmemCallocChecked"))
                                .and(takesArguments(long.class, long.class))))
                        .visit(Advice.to(AlignedAllocAdvice.class).on(named("nmemAlignedAlloc").or(named("nmemAlignedAllocChecked"))
                                .and(takesArguments(long.class, long.class))))
                        .visit(Advice.to(ReallocAdvice.class).on(named("nmemRealloc").or(named("nmemReallocChecked"))
                                .and(takesArguments(long.class, long.class))))
                        .visit(Advice.to(FreeAdvice.class).on(named("nmemFree").or(named("nmemAlignedFree"))
                                .and(takesArguments(long.class)))));
    }

    static final class AllocAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("lwjgl", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Argument(0) long size, @Advice.Return long address) {
            try {
                if (token == 1 && address != 0) {
                    HeapscopeDispatch.event("lwjgl", HeapscopeDispatch.ALLOCATE_TRACKED, address, size, null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class CallocAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("lwjgl", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Argument(0) long num, @Advice.Argument(1) long size,
                         @Advice.Return long address) {
            try {
                if (token == 1 && address != 0) {
                    HeapscopeDispatch.event("lwjgl", HeapscopeDispatch.ALLOCATE_TRACKED, address, num * size, null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    /** {@code nmemAlignedAlloc(alignment, size)}. */
    static final class AlignedAllocAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("lwjgl", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Argument(1) long size, @Advice.Return long address) {
            try {
                if (token == 1 && address != 0) {
                    HeapscopeDispatch.event("lwjgl", HeapscopeDispatch.ALLOCATE_TRACKED, address, size, null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class ReallocAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter() {
            return HeapscopeDispatch.enter("lwjgl", null);
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token, @Advice.Argument(0) long old, @Advice.Argument(1) long size,
                         @Advice.Return long address) {
            try {
                if (token == 1 && address != 0) {
                    if (old != 0) {
                        HeapscopeDispatch.event("lwjgl", HeapscopeDispatch.FREE, old, -1, null);
                    }
                    HeapscopeDispatch.event("lwjgl", HeapscopeDispatch.ALLOCATE_TRACKED, address, size, null);
                }
            } finally {
                HeapscopeDispatch.exit(token);
            }
        }
    }

    static final class FreeAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static int enter(@Advice.Argument(0) long address) {
            int token = HeapscopeDispatch.enter("lwjgl", null);
            if (token == 1 && address != 0) {
                HeapscopeDispatch.event("lwjgl", HeapscopeDispatch.FREE, address, -1, null);
            }
            return token;
        }

        @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token) {
            HeapscopeDispatch.exit(token);
        }
    }
}

package io.heapscope.agent.hooks;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code sun.misc.Unsafe} allocateMemory / reallocateMemory / freeMemory: the public face applications use. It
 * delegates to {@code jdk.internal.misc.Unsafe}, which the JDK itself calls for direct buffers and FFM segments; those
 * are reported by their own hooks, so hooking only {@code sun.misc.Unsafe} counts each allocation once. Framework
 * name: {@value #FRAMEWORK}. A reallocation is a free of the old block and an allocation of the new one. Sizes of
 * live blocks are kept off-heap by address ({@code freeMemory} gets only the address).
 */
public final class UnsafeHook implements FrameworkHook {
    public static final String FRAMEWORK = "unsafe";

    @Override
    public String name() {
        return "unsafe";
    }

    @Override
    public String testedWith() {
        return "JDK 25";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("sun.misc.Unsafe");
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        try {
            Class.forName("sun.misc.Unsafe", false, null);
        } catch (ClassNotFoundException e) {
            return builder; // no jdk.unsupported in this runtime: nothing to hook
        }
        return builder.type(named("sun.misc.Unsafe"))
                .transform((b, type, loader, module, domain) -> b
                        .visit(Advice.to(AllocateAdvice.class).on(named("allocateMemory").and(takesArguments(long.class))))
                        .visit(Advice.to(ReallocateAdvice.class).on(named("reallocateMemory").and(takesArguments(2))))
                        .visit(Advice.to(FreeAdvice.class).on(named("freeMemory").and(takesArguments(long.class)))));
    }

    static final class AllocateAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Argument(0) long bytes, @Advice.Return long address) {
            if (address != 0) {
                HeapscopeDispatch.event("unsafe", HeapscopeDispatch.ALLOCATE_TRACKED, address, bytes, null);
            }
        }
    }

    static final class ReallocateAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Argument(0) long old, @Advice.Argument(1) long bytes, @Advice.Return long address) {
            if (old != 0) {
                HeapscopeDispatch.event("unsafe", HeapscopeDispatch.FREE, old, -1, null);
            }
            if (address != 0) {
                HeapscopeDispatch.event("unsafe", HeapscopeDispatch.ALLOCATE_TRACKED, address, bytes, null);
            }
        }
    }

    static final class FreeAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) long address) {
            if (address != 0) {
                HeapscopeDispatch.event("unsafe", HeapscopeDispatch.FREE, address, -1, null);
            }
        }
    }
}

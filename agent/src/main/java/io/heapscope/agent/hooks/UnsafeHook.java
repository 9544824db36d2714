package io.heapscope.agent.hooks;

import io.heapscope.agent.weave.MethodHook;

import java.util.List;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE_TRACKED;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.FREE;
import static io.heapscope.agent.weave.Code.*;

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
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("sun.misc.Unsafe");
    }

    @Override
    public List<MethodHook> methodHooks() {
        try {
            Class.forName("sun.misc.Unsafe", false, null);
        } catch (ClassNotFoundException e) {
            return List.of(); // no jdk.unsupported in this runtime: nothing to hook
        }
        return List.of(
                MethodHook.in("sun.misc.Unsafe").method("allocateMemory").args(LONG)
                        .atReturn(when(notZero(returned()), event(FRAMEWORK, ALLOCATE_TRACKED, returned(), arg(0), NULL))),
                // (old address, bytes)
                MethodHook.in("sun.misc.Unsafe").method("reallocateMemory").args(2)
                        .atReturn(when(notZero(arg(0)), event(FRAMEWORK, FREE, arg(0), constant(-1), NULL)),
                                when(notZero(returned()), event(FRAMEWORK, ALLOCATE_TRACKED, returned(), arg(1), NULL))),
                MethodHook.in("sun.misc.Unsafe").method("freeMemory").args(LONG)
                        .atEntry(when(notZero(arg(0)), event(FRAMEWORK, FREE, arg(0), constant(-1), NULL))));
    }
}

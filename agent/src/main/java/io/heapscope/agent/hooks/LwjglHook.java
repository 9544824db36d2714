package io.heapscope.agent.hooks;

import io.heapscope.agent.weave.Code.Condition;
import io.heapscope.agent.weave.MethodHook;

import java.util.List;
import java.util.function.Predicate;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE_TRACKED;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.FREE;
import static io.heapscope.agent.weave.Code.*;

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
    public java.util.List<String> classPrefixes() {
        return java.util.List.of(MEMORY_UTIL);
    }

    @Override
    public java.util.List<String> libraryPrefixes() {
        return java.util.List.of("org.lwjgl.");
    }

    @Override
    public List<MethodHook> methodHooks() {
        Predicate<ClassLoader> library = Library.has(MEMORY_UTIL);
        return List.of(
                allocation(library, "nmemAlloc", "nmemAllocChecked").args(LONG)
                        .atExit(when(allocated(), event(FRAMEWORK, ALLOCATE_TRACKED, returned(), arg(0), NULL)),
                                exitScope()),
                allocation(library, "nmemCalloc", "nmemCallocChecked").args(LONG, LONG) // (num, size)
                        .atExit(when(allocated(), event(FRAMEWORK, ALLOCATE_TRACKED, returned(), arg(0).times(arg(1)), NULL)),
                                exitScope()),
                allocation(library, "nmemAlignedAlloc", "nmemAlignedAllocChecked").args(LONG, LONG) // (alignment, size)
                        .atExit(when(allocated(), event(FRAMEWORK, ALLOCATE_TRACKED, returned(), arg(1), NULL)),
                                exitScope()),
                allocation(library, "nmemRealloc", "nmemReallocChecked").args(LONG, LONG) // (old, size)
                        .atExit(when(allocated(),
                                        when(notZero(arg(0)), event(FRAMEWORK, FREE, arg(0), constant(-1), NULL)),
                                        event(FRAMEWORK, ALLOCATE_TRACKED, returned(), arg(1), NULL)),
                                exitScope()),
                MethodHook.in(MEMORY_UTIL).onlyIf(library).method("nmemFree", "nmemAlignedFree").args(LONG)
                        .atEntry(enterScope(FRAMEWORK, NULL),
                                when(and(equal(entered(), 1), notZero(arg(0))),
                                        event(FRAMEWORK, FREE, arg(0), constant(-1), NULL)))
                        .atExit(exitScope()));
    }

    /** An allocating primitive: its own scope, so the nested calls of another one report nothing. */
    private static MethodHook allocation(Predicate<ClassLoader> library, String... names) {
        return MethodHook.in(MEMORY_UTIL).onlyIf(library).method(names).atEntry(enterScope(FRAMEWORK, NULL));
    }

    /** The outermost call, and it returned an address. */
    private static Condition allocated() {
        return and(equal(entered(), 1), notZero(returned()));
    }
}

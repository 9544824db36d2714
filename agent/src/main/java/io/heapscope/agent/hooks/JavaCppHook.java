package io.heapscope.agent.hooks;

import io.heapscope.agent.weave.MethodHook;

import java.util.List;
import java.util.function.Predicate;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.FREE;
import static io.heapscope.agent.weave.Code.*;

/**
 * JavaCPP ({@code org.bytedeco:javacpp}, the base of the bytedeco presets: OpenCV, FFmpeg, PyTorch, CUDA...): every
 * {@code Pointer} that owns native memory registers a {@code Pointer$DeallocatorReference} carrying its size in bytes;
 * its {@code add()} (JavaCPP's own {@code Pointer.totalBytes()} grows) is an allocation, its {@code remove()} (on
 * {@code close()}/{@code deallocate()} or when the garbage collector finds the pointer unreachable) the free. Addresses
 * are not reported (the reference does not hold its pointer). Framework name: {@value #FRAMEWORK}.
 */
public final class JavaCppHook implements FrameworkHook {
    public static final String FRAMEWORK = "javacpp";
    private static final String REFERENCE = "org.bytedeco.javacpp.Pointer$DeallocatorReference";

    @Override
    public String name() {
        return FRAMEWORK;
    }


    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of(REFERENCE);
    }

    @Override
    public java.util.List<String> libraryPrefixes() {
        return java.util.List.of("org.bytedeco.");
    }

    @Override
    public List<MethodHook> methodHooks() {
        Predicate<ClassLoader> library = Library.has(REFERENCE, "org.bytedeco.javacpp.Pointer$Deallocator");
        return List.of(
                MethodHook.in(REFERENCE).onlyIf(library).method("add").args(0)
                        .atReturn(event(FRAMEWORK, ALLOCATE, ZERO, field("bytes"), NULL)),
                // remove() returns at once for a reference already removed (prev and next pointing at itself)
                MethodHook.in(REFERENCE).onlyIf(library).method("remove").args(0)
                        .atEntry(remember(not(and(same(field("prev"), self()), same(field("next"), self())))))
                        .atReturn(when(notZero(entered()), event(FRAMEWORK, FREE, ZERO, field("bytes"), NULL))));
    }
}

package io.heapscope.agent.hooks;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

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
    public String testedWith() {
        return "javacpp 1.5.14";
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
    public AgentBuilder install(AgentBuilder builder) {
        return builder.type(named(REFERENCE), Library.has(REFERENCE, "org.bytedeco.javacpp.Pointer$Deallocator"))
                .transform((b, t, l, m, d) -> b
                        .visit(Advice.to(AddAdvice.class).on(named("add").and(takesArguments(0))))
                        .visit(Advice.to(RemoveAdvice.class).on(named("remove").and(takesArguments(0)))));
    }

    static final class AddAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.FieldValue("bytes") long bytes) {
            HeapscopeDispatch.event("javacpp", HeapscopeDispatch.ALLOCATE, 0, bytes, null);
        }
    }

    /** {@code remove()} returns at once for a reference already removed (prev and next pointing at itself). */
    static final class RemoveAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static boolean enter(@Advice.This Object self, @Advice.FieldValue("prev") Object prev,
                             @Advice.FieldValue("next") Object next) {
            return !(prev == self && next == self);
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Enter boolean linked, @Advice.FieldValue("bytes") long bytes) {
            if (linked) {
                HeapscopeDispatch.event("javacpp", HeapscopeDispatch.FREE, 0, bytes, null);
            }
        }
    }
}

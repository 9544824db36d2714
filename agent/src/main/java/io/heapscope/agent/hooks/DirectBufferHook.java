package io.heapscope.agent.hooks;

import io.heapscope.agent.bootstrap.HeapscopeDispatch;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * JDK direct buffers: {@code ByteBuffer.allocateDirect} (the {@code DirectByteBuffer(int)} constructor) is an
 * allocation of its capacity; the buffer's cleaner running {@code DirectByteBuffer$Deallocator.run()} is its free.
 * Views, slices and mapped buffers allocate nothing here and are not reported. Framework name: {@value #FRAMEWORK}.
 */
public final class DirectBufferHook implements FrameworkHook {
    public static final String FRAMEWORK = "jdk.direct";

    @Override
    public String name() {
        return "direct";
    }

    @Override
    public String testedWith() {
        return "JDK 25";
    }

    @Override
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("java.nio.DirectByteBuffer");
    }

    @Override
    public AgentBuilder install(AgentBuilder builder) {
        try {
            // load it now so it is retransformed with the buffer class at install: when it is first loaded later,
            // from inside the (already instrumented) DirectByteBuffer constructor, it is not reliably transformed
            Class.forName("java.nio.DirectByteBuffer$Deallocator", false, null);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this JDK has no java.nio.DirectByteBuffer$Deallocator", e);
        }
        return builder
                .type(named("java.nio.DirectByteBuffer"))
                .transform((b, type, loader, module, domain) -> b.visit(
                        Advice.to(AllocateAdvice.class).on(isConstructor().and(takesArguments(int.class)))))
                .type(named("java.nio.DirectByteBuffer$Deallocator"))
                .transform((b, type, loader, module, domain) -> b.visit(
                        Advice.to(DeallocateAdvice.class).on(named("run").and(takesArguments(0)))));
    }

    /** Inlined into the constructor: reads the buffer's address and capacity once it is built. */
    static final class AllocateAdvice {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.FieldValue("address") long address, @Advice.Argument(0) int capacity) {
            HeapscopeDispatch.event("jdk.direct", HeapscopeDispatch.ALLOCATE, address, capacity, null);
        }
    }

    /** Inlined into the cleaner's action: the memory goes back to the system. */
    static final class DeallocateAdvice {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.FieldValue("address") long address, @Advice.FieldValue("capacity") int capacity) {
            HeapscopeDispatch.event("jdk.direct", HeapscopeDispatch.FREE, address, capacity, null);
        }
    }
}

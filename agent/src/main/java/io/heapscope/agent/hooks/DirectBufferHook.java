package io.heapscope.agent.hooks;

import io.heapscope.agent.weave.MethodHook;

import java.util.List;

import static io.heapscope.agent.bootstrap.HeapscopeDispatch.ALLOCATE;
import static io.heapscope.agent.bootstrap.HeapscopeDispatch.FREE;
import static io.heapscope.agent.weave.Code.INT;
import static io.heapscope.agent.weave.Code.LONG;
import static io.heapscope.agent.weave.Code.NULL;
import static io.heapscope.agent.weave.Code.arg;
import static io.heapscope.agent.weave.Code.event;
import static io.heapscope.agent.weave.Code.field;

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
    public java.util.List<String> classPrefixes() {
        return java.util.List.of("java.nio.DirectByteBuffer");
    }

    @Override
    public List<MethodHook> methodHooks() {
        try {
            // load it now so it is retransformed with the buffer class at install: when it is first loaded later,
            // from inside the (already instrumented) DirectByteBuffer constructor, it is not reliably transformed
            Class.forName("java.nio.DirectByteBuffer$Deallocator", false, null);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("this JDK has no java.nio.DirectByteBuffer$Deallocator", e);
        }
        return List.of(
                // the constructor's end: the buffer's address and capacity once it is built
                MethodHook.in("java.nio.DirectByteBuffer").constructor("(I)V")
                        .atReturn(event(FRAMEWORK, ALLOCATE, field("address", LONG), arg(0), NULL)),
                // the cleaner's action: the memory goes back to the system
                MethodHook.in("java.nio.DirectByteBuffer$Deallocator").method("run").descriptor("()V")
                        .atEntry(event(FRAMEWORK, FREE, field("address", LONG), field("capacity", INT), NULL)));
    }
}

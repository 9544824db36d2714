package io.heapscope.backend.metal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Objective-C blocks for completion handlers: a global block literal in native memory (isa
 * {@code _NSConcreteGlobalBlock}, flags BLOCK_IS_GLOBAL, invoke = an FFM upcall stub taking (block, commandBuffer),
 * a descriptor) with one captured word after it, a ticket naming the Java code to run. Literals are reused once their
 * invocation has returned.
 */
final class Blocks {
    private static final int BLOCK_IS_GLOBAL = 1 << 28;
    private static final long LITERAL_SIZE = 40; // isa, flags, reserved, invoke, descriptor, ticket
    private static final Map<Long, Runnable> PENDING = new ConcurrentHashMap<>();
    private static final AtomicLong TICKETS = new AtomicLong();
    private static final ConcurrentLinkedQueue<MemorySegment> FREE = new ConcurrentLinkedQueue<>();
    /** True on the thread running a completion block (so synchronize() there does not wait on itself). */
    static final ThreadLocal<Boolean> IN_HANDLER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static final MemorySegment INVOKE;
    private static final MemorySegment DESCRIPTOR;

    static {
        try {
            INVOKE = Linker.nativeLinker().upcallStub(MethodHandles.lookup().findStatic(Blocks.class, "invoke",
                            MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class)),
                    FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        DESCRIPTOR = Arena.global().allocate(16);
        DESCRIPTOR.set(JAVA_LONG, 0, 0);
        DESCRIPTOR.set(JAVA_LONG, 8, LITERAL_SIZE);
    }

    private Blocks() {
    }

    /** A block that runs {@code code} once when invoked. */
    static MemorySegment of(ObjC objc, Runnable code) {
        MemorySegment b = FREE.poll();
        if (b == null) {
            b = Arena.global().allocate(LITERAL_SIZE, 16);
        }
        long ticket = TICKETS.incrementAndGet();
        PENDING.put(ticket, code);
        b.set(ADDRESS, 0, objc.globalBlockIsa);
        b.set(JAVA_INT, 8, BLOCK_IS_GLOBAL);
        b.set(JAVA_INT, 12, 0);
        b.set(ADDRESS, 16, INVOKE);
        b.set(ADDRESS, 24, DESCRIPTOR);
        b.set(JAVA_LONG, 32, ticket);
        return b;
    }

    @SuppressWarnings("unused") // called by the Objective-C runtime through INVOKE
    private static void invoke(MemorySegment block, MemorySegment commandBuffer) {
        MemorySegment b = block.reinterpret(LITERAL_SIZE);
        Runnable r = PENDING.remove(b.get(JAVA_LONG, 32));
        IN_HANDLER.set(Boolean.TRUE);
        try {
            if (r != null) {
                r.run();
            }
        } catch (Throwable ignored) {
            // never unwind into the runtime; the stream records failures itself
        } finally {
            IN_HANDLER.set(Boolean.FALSE);
            FREE.add(b);
        }
    }
}

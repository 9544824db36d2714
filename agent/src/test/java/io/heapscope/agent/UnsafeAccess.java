package io.heapscope.agent;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * {@code sun.misc.Unsafe}'s memory methods, reached through method handles so the workloads compile without
 * warnings (the class is deprecated for removal); the calls still go through {@code sun.misc.Unsafe}, which is what
 * the agent hooks.
 */
final class UnsafeAccess {
    private final MethodHandle allocate;
    private final MethodHandle reallocate;
    private final MethodHandle free;

    UnsafeAccess() throws ReflectiveOperationException {
        Class<?> type = Class.forName("sun.misc.Unsafe");
        Field f = type.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        Object unsafe = f.get(null);
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        allocate = lookup.findVirtual(type, "allocateMemory", MethodType.methodType(long.class, long.class)).bindTo(unsafe);
        reallocate = lookup.findVirtual(type, "reallocateMemory", MethodType.methodType(long.class, long.class, long.class))
                .bindTo(unsafe);
        free = lookup.findVirtual(type, "freeMemory", MethodType.methodType(void.class, long.class)).bindTo(unsafe);
    }

    long allocateMemory(long bytes) throws Throwable {
        return (long) allocate.invokeExact(bytes);
    }

    long reallocateMemory(long address, long bytes) throws Throwable {
        return (long) reallocate.invokeExact(address, bytes);
    }

    void freeMemory(long address) throws Throwable {
        free.invokeExact(address);
    }
}

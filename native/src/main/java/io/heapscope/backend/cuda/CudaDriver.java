package io.heapscope.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * FFM bindings to the CUDA driver API in {@code libcuda.so.1} (no JNI, no toolkit): the calls the backend needs, each
 * checked, an error becoming a {@link CudaException} carrying {@code cuGetErrorName}'s answer.
 */
final class CudaDriver {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NOT_READY = 600;
    static final int CU_MEMHOSTALLOC_PORTABLE = 1;
    static final int CU_MEMHOSTALLOC_DEVICEMAP = 2;
    static final int CU_STREAM_NON_BLOCKING = 1;
    static final int CU_EVENT_DISABLE_TIMING = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private final SymbolLookup lib;
    final MethodHandle cuInit, cuDeviceGet, cuDeviceGetName, cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease,
            cuCtxSetCurrent, cuMemGetInfo, cuMemAlloc, cuMemFree, cuMemHostAlloc, cuMemHostGetDevicePointer,
            cuMemFreeHost, cuStreamCreate, cuStreamDestroy, cuStreamSynchronize, cuLaunchHostFunc, cuEventCreate,
            cuEventRecord, cuEventQuery, cuEventSynchronize, cuEventDestroy, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync,
            cuGetErrorName;

    /** Upcall target of cuLaunchHostFunc: the user-data pointer is a ticket into {@link #HOST_FUNCS}. */
    private static final Map<Long, Runnable> HOST_FUNCS = new ConcurrentHashMap<>();
    private static final AtomicLong TICKETS = new AtomicLong();
    static final MemorySegment HOST_FUNC_STUB;

    static {
        MemorySegment stub;
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(CudaDriver.class, "onHostFunc",
                    MethodType.methodType(void.class, MemorySegment.class));
            stub = LINKER.upcallStub(target, FunctionDescriptor.ofVoid(ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        HOST_FUNC_STUB = stub;
    }

    CudaDriver(SymbolLookup lib) {
        this.lib = lib;
        cuInit = h("cuInit", JAVA_INT);
        cuDeviceGet = h("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = h("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDevicePrimaryCtxRetain = h("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = h("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        cuCtxSetCurrent = h("cuCtxSetCurrent", ADDRESS);
        cuMemGetInfo = h("cuMemGetInfo_v2", ADDRESS, ADDRESS);
        cuMemAlloc = h("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = h("cuMemFree_v2", JAVA_LONG);
        cuMemHostAlloc = h("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
        cuMemHostGetDevicePointer = h("cuMemHostGetDevicePointer_v2", ADDRESS, ADDRESS, JAVA_INT);
        cuMemFreeHost = h("cuMemFreeHost", ADDRESS);
        cuStreamCreate = h("cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamDestroy = h("cuStreamDestroy_v2", ADDRESS);
        cuStreamSynchronize = h("cuStreamSynchronize", ADDRESS);
        cuLaunchHostFunc = h("cuLaunchHostFunc", ADDRESS, ADDRESS, ADDRESS);
        cuEventCreate = h("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = h("cuEventRecord", ADDRESS, ADDRESS);
        cuEventQuery = h("cuEventQuery", ADDRESS);
        cuEventSynchronize = h("cuEventSynchronize", ADDRESS);
        cuEventDestroy = h("cuEventDestroy_v2", ADDRESS);
        cuMemcpyHtoDAsync = h("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoHAsync = h("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuGetErrorName = h("cuGetErrorName", JAVA_INT, ADDRESS);
    }

    /** Loads libcuda.so.1 and runs cuInit(0); throws with the reason when either fails. */
    static CudaDriver load() {
        SymbolLookup lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        CudaDriver d = new CudaDriver(lib);
        d.check("cuInit", d.call(d.cuInit, 0));
        return d;
    }

    private MethodHandle h(String name, java.lang.foreign.MemoryLayout... args) {
        MemorySegment sym = lib.find(name).orElseThrow(() -> new IllegalStateException("libcuda.so.1 lacks " + name));
        return LINKER.downcallHandle(sym, FunctionDescriptor.of(JAVA_INT, args));
    }

    int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void check(String what, int code) {
        if (code != CUDA_SUCCESS) {
            throw new CudaException(what, code, errorName(code));
        }
    }

    String errorName(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            if (call(cuGetErrorName, code, p) != CUDA_SUCCESS) {
                return "CUDA error " + code;
            }
            return p.get(ADDRESS, 0).reinterpret(256).getString(0);
        }
    }

    /** Registers a host function; returns the user-data pointer to pass to cuLaunchHostFunc. */
    static MemorySegment ticket(Runnable r) {
        long t = TICKETS.incrementAndGet();
        HOST_FUNCS.put(t, r);
        return MemorySegment.ofAddress(t);
    }

    static void forget(MemorySegment ticket) {
        HOST_FUNCS.remove(ticket.address());
    }

    @SuppressWarnings("unused") // called from native code through HOST_FUNC_STUB
    private static void onHostFunc(MemorySegment userData) {
        Runnable r = HOST_FUNCS.remove(userData.address());
        if (r != null) {
            try {
                r.run();
            } catch (Throwable ignored) {
                // a host function must never unwind into the driver
            }
        }
    }
}

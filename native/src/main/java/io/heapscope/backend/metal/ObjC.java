package io.heapscope.backend.metal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Objective-C runtime through FFM: {@code objc_getClass}, {@code sel_registerName} and {@code objc_msgSend} with
 * one typed downcall per call shape (the runtime forwards argument registers to the method, so each shape needs its
 * own descriptor), plus {@code MTLCreateSystemDefaultDevice}. Loads the libraries by path only.
 */
final class ObjC {
    /** {@code MTLSizeAndAlign}: two NSUIntegers, returned in registers. */
    static final StructLayout SIZE_AND_ALIGN = MemoryLayout.structLayout(JAVA_LONG.withName("size"), JAVA_LONG.withName("align"));

    private static final Linker LINKER = Linker.nativeLinker();
    private final SymbolLookup lookup;
    private final MethodHandle getClass;
    private final MethodHandle registerName;
    private final MethodHandle createDevice;
    private final MemorySegment msgSend;
    final MemorySegment globalBlockIsa;
    private final Map<String, MemorySegment> selectors = new ConcurrentHashMap<>();
    // call shapes: returns (receiver, selector, args...)
    final MethodHandle idMsg;          // id (id, SEL)
    final MethodHandle idMsgId;        // id (id, SEL, id)
    final MethodHandle idMsgLongLong;  // id (id, SEL, NSUInteger, NSUInteger)
    final MethodHandle voidMsg;        // void (id, SEL)
    final MethodHandle voidMsgLong;    // void (id, SEL, NSUInteger)
    final MethodHandle voidMsgId;      // void (id, SEL, id)
    final MethodHandle voidMsgIdLong;  // void (id, SEL, id, uint64_t)
    final MethodHandle longMsg;        // NSUInteger (id, SEL)
    final MethodHandle longMsgLong;    // NSUInteger (id, SEL, NSUInteger)
    final MethodHandle boolMsg;        // BOOL (id, SEL)
    final MethodHandle ptrMsg;         // void* (id, SEL)
    final MethodHandle sizeAlignMsg;   // MTLSizeAndAlign (id, SEL, NSUInteger, NSUInteger)

    private ObjC(SymbolLookup lookup) {
        this.lookup = lookup;
        getClass = LINKER.downcallHandle(sym("objc_getClass"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        registerName = LINKER.downcallHandle(sym("sel_registerName"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        createDevice = LINKER.downcallHandle(sym("MTLCreateSystemDefaultDevice"), FunctionDescriptor.of(ADDRESS));
        msgSend = sym("objc_msgSend");
        globalBlockIsa = sym("_NSConcreteGlobalBlock");
        idMsg = shape(FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        idMsgId = shape(FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        idMsgLongLong = shape(FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
        voidMsg = shape(FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        voidMsgLong = shape(FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG));
        voidMsgId = shape(FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));
        voidMsgIdLong = shape(FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        longMsg = shape(FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS));
        longMsgLong = shape(FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        boolMsg = shape(FunctionDescriptor.of(JAVA_BYTE, ADDRESS, ADDRESS));
        ptrMsg = shape(FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        sizeAlignMsg = shape(FunctionDescriptor.of(SIZE_AND_ALIGN, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    /**
     * The runtime at {@code runtimePath} when given (one library providing the Objective-C runtime and Metal's entry
     * points), else the system's on macOS.
     */
    static ObjC load(String runtimePath) {
        SymbolLookup l;
        if (runtimePath != null) {
            l = SymbolLookup.libraryLookup(java.nio.file.Path.of(runtimePath), Arena.global());
        } else {
            SymbolLookup objc = SymbolLookup.libraryLookup("/usr/lib/libobjc.A.dylib", Arena.global());
            SymbolLookup metal = SymbolLookup.libraryLookup("/System/Library/Frameworks/Metal.framework/Metal", Arena.global());
            l = objc.or(metal);
        }
        return new ObjC(l);
    }

    private MemorySegment sym(String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("Objective-C runtime lacks " + name));
    }

    private MethodHandle shape(FunctionDescriptor d) {
        return LINKER.downcallHandle(msgSend, d);
    }

    MemorySegment sel(String name) {
        return selectors.computeIfAbsent(name, n -> {
            try (Arena a = Arena.ofConfined()) {
                return (MemorySegment) registerName.invokeExact(a.allocateFrom(n));
            } catch (Throwable t) {
                throw new IllegalStateException("sel_registerName(" + n + ")", t);
            }
        });
    }

    MemorySegment cls(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = (MemorySegment) getClass.invokeExact(a.allocateFrom(name));
            if (c.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("no Objective-C class " + name);
            }
            return c;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    MemorySegment createSystemDefaultDevice() {
        try {
            return (MemorySegment) createDevice.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    // ---------------------------------------------------------------- typed sends

    MemorySegment id(MemorySegment self, String sel) {
        try {
            return (MemorySegment) idMsg.invokeExact(self, sel(sel));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment id(MemorySegment self, String sel, MemorySegment arg) {
        try {
            return (MemorySegment) idMsgId.invokeExact(self, sel(sel), arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment id(MemorySegment self, String sel, long a, long b) {
        try {
            return (MemorySegment) idMsgLongLong.invokeExact(self, sel(sel), a, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void send(MemorySegment self, String sel) {
        try {
            voidMsg.invokeExact(self, sel(sel));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void send(MemorySegment self, String sel, long v) {
        try {
            voidMsgLong.invokeExact(self, sel(sel), v);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void send(MemorySegment self, String sel, MemorySegment arg) {
        try {
            voidMsgId.invokeExact(self, sel(sel), arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void send(MemorySegment self, String sel, MemorySegment arg, long v) {
        try {
            voidMsgIdLong.invokeExact(self, sel(sel), arg, v);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long u64(MemorySegment self, String sel) {
        try {
            return (long) longMsg.invokeExact(self, sel(sel));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long u64(MemorySegment self, String sel, long v) {
        try {
            return (long) longMsgLong.invokeExact(self, sel(sel), v);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    boolean bool(MemorySegment self, String sel) {
        try {
            return (byte) boolMsg.invokeExact(self, sel(sel)) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment ptr(MemorySegment self, String sel) {
        try {
            return (MemorySegment) ptrMsg.invokeExact(self, sel(sel));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code heapBufferSizeAndAlignWithLength:options:}: {size, align}. */
    long[] sizeAndAlign(MemorySegment device, long length, long options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = (MemorySegment) sizeAlignMsg.invokeExact((java.lang.foreign.SegmentAllocator) a, device,
                    sel("heapBufferSizeAndAlignWithLength:options:"), length, options);
            return new long[]{r.get(JAVA_LONG, 0), r.get(JAVA_LONG, 8)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String string(MemorySegment nsString) {
        return ptr(nsString, "UTF8String").reinterpret(4096).getString(0);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}

package io.heapscope.backend.metal;

import io.heapscope.backend.SpiFixtures;
import io.heapscope.device.Buffer;
import io.heapscope.device.DeviceEvent;
import io.heapscope.device.Heap;
import io.heapscope.device.SizeAndAlign;
import io.heapscope.device.StorageMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Metal backend through the Objective-C runtime: on Linux against the simulated runtime the build compiles
 * (native/src/main/c/metalsim), on a Mac against Metal itself. Skipped, with the reason, where neither is present.
 */
class MetalBackendTest {
    private static MetalDevice device;

    @BeforeAll
    static void open() {
        MetalDeviceProvider p = new MetalDeviceProvider();
        assumeTrue(p.unavailableReason().isEmpty(), () -> "no Metal here: " + p.unavailableReason().orElse(""));
        device = (MetalDevice) p.open(Map.of());
    }

    @AfterAll
    static void close() {
        if (device != null) {
            device.close();
        }
    }


    @Test
    void sizeAndAlignComesBackAsAStructInRegisters() {
        SizeAndAlign sa = device.heapBufferSizeAndAlign(5000, SpiFixtures.opts(StorageMode.PRIVATE));
        assertTrue(sa.size() >= 5000 && sa.size() % sa.align() == 0, sa.toString());
        assertTrue(device.recommendedMaxWorkingSetSize() > 0);
        assertFalse(device.name().isEmpty());
    }

    @Test
    void heapsPlaceBuffersAndRetainCountsAreMetals() {
        Heap h = device.newHeap(SpiFixtures.heap(1 << 20, StorageMode.SHARED));
        Buffer a = h.newBuffer(4096, SpiFixtures.opts(StorageMode.SHARED));
        Buffer b = h.newBuffer(8192, SpiFixtures.opts(StorageMode.SHARED));
        assertEquals(a.address() + 4096, b.address(), "first fit, next to the first buffer");
        assertEquals(3, h.retainCount(), "the heap is retained by its two buffers");
        assertEquals((1 << 20) - 12288, h.maxAvailableSize(4096));
        assertNull(h.newBuffer(2 << 20, SpiFixtures.opts(StorageMode.SHARED)), "does not fit: nil");
        b.contents().set(ValueLayout.JAVA_INT, 0, 7);
        assertEquals(7, b.contents().get(ValueLayout.JAVA_INT, 0));
        a.release();
        b.release();
        assertEquals(1, h.retainCount());
        h.release();
        Heap p = device.newHeap(SpiFixtures.heap(1 << 20, StorageMode.PRIVATE));
        Buffer priv = p.newBuffer(4096, SpiFixtures.opts(StorageMode.PRIVATE));
        assertThrows(IllegalStateException.class, priv::contents, "private storage: contents is nil");
        priv.release();
        p.release();
    }

    @Test
    void completionBlocksRunInOrderAfterWorkThatHoldsItsBuffers() throws Exception {
        Heap h = device.newHeap(SpiFixtures.heap(1 << 20, StorageMode.PRIVATE));
        Buffer b = h.newBuffer(4096, SpiFixtures.opts(StorageMode.PRIVATE));
        CountDownLatch gate = new CountDownLatch(1);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        device.stream().submit(List.of(b), () -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add(0);
        });
        for (int i = 1; i <= 20; i++) {
            int n = i;
            device.stream().addCompletedHandler(() -> order.add(n));
        }
        assertEquals(2, b.retainCount(), "retained by the command buffer's work");
        DeviceEvent e = device.newEvent();
        e.record(device.stream());
        assertFalse(e.isSignalled());
        SpiFixtures.countDownLater(gate, 50);
        assertTrue(e.synchronize());
        device.stream().synchronize();
        for (int i = 0; i <= 20; i++) {
            assertEquals(i, order.get(i));
        }
        assertEquals(1, b.retainCount());
        assertFalse(e.synchronize());
        e.close();
        b.release();
        h.release();
    }

    @Test
    void simulatedMsgSendForwardsIntegerStackAndVectorArgumentsUntouched() throws Throwable {
        String runtime = System.getProperty("heapscope.metal.runtime");
        assumeTrue(runtime != null, "only against the simulated runtime (it has the probe method)");
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(runtime), Arena.global());
        MethodHandle probe = linker.downcallHandle(lib.find("metalsim_probe").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS));
        MethodHandle send = linker.downcallHandle(lib.find("objc_msgSend").orElseThrow(), FunctionDescriptor.of(
                ValueLayout.JAVA_DOUBLE, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        MemorySegment obj = (MemorySegment) probe.invokeExact();
        MemorySegment sel = device.objc().sel("probe:b:c:d:x:e:f:");
        double r = (double) send.invokeExact(obj, sel, 1L, 10L, 100L, 1000L, 0.5, 10_000L, 100_000L);
        assertEquals(1 + 20 + 300 + 4000 + 50_000 + 600_000 + 0.5, r);
    }
}

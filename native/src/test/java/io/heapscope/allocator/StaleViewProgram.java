package io.heapscope.allocator;

import io.heapscope.device.Device;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by {@link OwnershipTest}: each misuse of a CPU view that crashed the JVM (SIGSEGV) or wrote into
 * another owner's buffer before ownership scopes. Prints one line per case, {@code CASE <name> ok} when the misuse
 * ended in IllegalStateException with nothing else changed, and exits 0 when every case passed; a crash shows as a
 * non-zero exit code with the cases printed so far.
 *
 * <p>Arguments: backend name (as {@link TestDevices} names it).
 */
public final class StaleViewProgram {
    private static final long MiB = 1 << 20;
    private static int failures;

    public static void main(String[] args) throws Exception {
        TestDevices.Backend backend = TestDevices.backends().stream().filter(b -> b.name().equals(args[0]))
                .findFirst().orElseThrow();
        run("freed-then-emptyCache", backend, (a) -> {
            MpsBuffer b = a.malloc(1 << 16, true);
            MemorySegment s = b.contents();
            a.free(b);
            a.emptyCache(); // the heap is unmapped here
            expectClosed(() -> s.fill((byte) 1));
        });
        run("sharedBufferPtr-then-emptyCache", backend, (a) -> {
            MpsBuffer b = a.malloc(1 << 16, true);
            MemorySegment s = a.getSharedBufferPtr(b.address()).contents();
            a.free(b);
            a.emptyCache();
            expectClosed(() -> s.fill((byte) 1));
        });
        run("cached-at-close", backend, (a) -> {
            MpsBuffer b = a.malloc(1 << 16, true);
            MemorySegment s = b.contents();
            a.free(b);
            a.close();
            expectClosed(() -> s.fill((byte) 1));
        });
        run("contents-after-free", backend, (a) -> {
            MpsBuffer b = a.malloc(1 << 16, true);
            a.free(b);
            expectClosed(b::contents);
        });
        run("recycled-to-another-owner", backend, (a) -> {
            MpsBuffer first = a.malloc(1 << 16, true);
            MemorySegment stale = first.contents();
            a.free(first);
            MpsBuffer second = a.malloc(1 << 16, true);
            check(second.address() == first.address(), "the same buffer is recycled");
            MemorySegment mine = second.contents();
            mine.fill((byte) 7);
            expectClosed(() -> stale.fill((byte) 1));
            check(mine.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 100) == 7, "the new owner's bytes are unchanged");
            a.free(second);
        });
        run("pending-free", backend, (a) -> {
            Device d = a.device();
            MpsBuffer b = a.malloc(4 * MiB, true);
            MemorySegment s = b.contents();
            s.fill((byte) 3);
            CountDownLatch busy = Fixture.holdBusy(d, b.deviceBuffer()); // device work still reads the buffer
            a.free(b); // parked as a pending free
            expectClosed(() -> s.fill((byte) 1));
            busy.countDown();
            d.stream().synchronize();
        });
        System.out.println(failures == 0 ? "ALL ok" : "FAILED " + failures);
        System.exit(failures == 0 ? 0 : 1);
    }

    private static void run(String name, TestDevices.Backend backend, ThrowingConsumer<HeapAllocator> body) {
        try (Device d = backend.open(1L << 30, true); HeapAllocator a = HeapAllocator.builder(d).sinks(java.util.Set.of()).build()) {
            body.accept(a);
            System.out.println("CASE " + name + " ok");
        } catch (Throwable t) {
            failures++;
            System.out.println("CASE " + name + " FAILED " + t);
        }
        System.out.flush();
    }

    private static void expectClosed(Runnable access) {
        try {
            access.run();
        } catch (IllegalStateException expected) {
            return;
        }
        throw new AssertionError("access through a stale view succeeded");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    @FunctionalInterface
    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }
}

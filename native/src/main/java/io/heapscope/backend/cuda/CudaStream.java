package io.heapscope.backend.cuda;

import io.heapscope.device.Buffer;
import io.heapscope.device.CommandStream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * A CUDA stream. Completion handlers and submitted Java work are host functions ({@code cuLaunchHostFunc}) that, since
 * the driver forbids CUDA calls inside them, hand their Java code to one callback thread, which runs it in stream
 * order with the context current (so a handler may free memory).
 */
final class CudaStream implements CommandStream {
    private final CudaDevice device;
    private final CudaDriver driver;
    private final MemorySegment stream;
    private final ExecutorService callbacks;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile Thread callbackThread;

    CudaStream(CudaDevice device) {
        this.device = device;
        this.driver = device.driver();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            driver.check("cuStreamCreate", driver.call(driver.cuStreamCreate, p, CudaDriver.CU_STREAM_NON_BLOCKING));
            this.stream = p.get(ADDRESS, 0);
        }
        this.callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "heapscope-cuda-callbacks");
            t.setDaemon(true);
            callbackThread = t;
            return t;
        });
    }

    MemorySegment handle() {
        return stream;
    }

    /** Enqueues {@code java} to run on the callback thread once the stream reaches this point. */
    void launch(Runnable java) {
        device.ensureContext();
        MemorySegment ticket = CudaDriver.ticket(() -> callbacks.execute(() -> {
            device.ensureContext();
            try {
                java.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }));
        int rc = driver.call(driver.cuLaunchHostFunc, stream, CudaDriver.HOST_FUNC_STUB, ticket);
        if (rc != CudaDriver.CUDA_SUCCESS) {
            CudaDriver.forget(ticket);
            driver.check("cuLaunchHostFunc", rc);
        }
    }

    @Override
    public void submit(List<Buffer> buffers, Runnable work) {
        List<Buffer> held = List.copyOf(buffers);
        for (Buffer b : held) {
            b.retain();
        }
        launch(() -> {
            try {
                work.run();
            } finally {
                held.forEach(Buffer::release);
            }
        });
    }

    @Override
    public void commit() {
        // work is queued on the stream as it is submitted
    }

    @Override
    public void addCompletedHandler(Runnable handler) {
        launch(handler);
    }

    @Override
    public void synchronize() {
        if (callbacks.isShutdown()) {
            // closed with the device: everything queued ran when it closed
            throw new IllegalStateException("cuda stream is closed");
        }
        if (Thread.currentThread() != callbackThread) {
            device.ensureContext();
            driver.check("cuStreamSynchronize", driver.call(driver.cuStreamSynchronize, stream));
            await(CompletableFuture.runAsync(() -> { }, callbacks));
        }
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            throw new IllegalStateException("work submitted to the cuda stream failed", t);
        }
    }

    private static void await(CompletableFuture<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void copyToBuffer(MemorySegment source, Buffer destination, long destinationOffset) {
        CudaBuffer dst = (CudaBuffer) destination;
        check(destinationOffset, source.byteSize(), dst.length());
        synchronize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment src = source.isNative() ? source : a.allocate(source.byteSize()).copyFrom(source);
            driver.check("cuMemcpyHtoDAsync", driver.call(driver.cuMemcpyHtoDAsync,
                    dst.address() + destinationOffset, src, source.byteSize(), stream));
            driver.check("cuStreamSynchronize", driver.call(driver.cuStreamSynchronize, stream));
        }
    }

    @Override
    public void copyFromBuffer(Buffer source, long sourceOffset, MemorySegment destination) {
        CudaBuffer src = (CudaBuffer) source;
        check(sourceOffset, destination.byteSize(), src.length());
        synchronize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dst = destination.isNative() ? destination : a.allocate(destination.byteSize());
            driver.check("cuMemcpyDtoHAsync", driver.call(driver.cuMemcpyDtoHAsync,
                    dst, src.address() + sourceOffset, destination.byteSize(), stream));
            driver.check("cuStreamSynchronize", driver.call(driver.cuStreamSynchronize, stream));
            if (dst != destination) {
                destination.copyFrom(dst);
            }
        }
    }

    private static void check(long offset, long length, long bufferLength) {
        if (offset < 0 || length < 0 || offset > bufferLength - length) {
            throw new IndexOutOfBoundsException("copy of " + length + " bytes at offset " + offset
                    + " does not fit a buffer of " + bufferLength + " bytes");
        }
    }

    void close() {
        try {
            synchronize();
        } finally {
            callbacks.shutdown();
        }
    }
}

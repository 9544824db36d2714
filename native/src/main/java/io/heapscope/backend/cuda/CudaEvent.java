package io.heapscope.backend.cuda;

import io.heapscope.device.CommandStream;
import io.heapscope.device.DeviceEvent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static java.lang.foreign.ValueLayout.ADDRESS;

/** A CUDA event plus a marker on the callback thread, so it signals after device work and Java handlers before it. */
final class CudaEvent implements DeviceEvent {
    private final CudaDevice device;
    private final CudaDriver driver;
    private final MemorySegment event;
    private volatile CompletableFuture<Void> handlersDone;
    private boolean closed;

    CudaEvent(CudaDevice device) {
        this.device = device;
        this.driver = device.driver();
        device.ensureContext();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            driver.check("cuEventCreate", driver.call(driver.cuEventCreate, p, CudaDriver.CU_EVENT_DISABLE_TIMING));
            this.event = p.get(ADDRESS, 0);
        }
    }

    @Override
    public void record(CommandStream stream) {
        CudaStream s = (CudaStream) stream;
        device.ensureContext();
        driver.check("cuEventRecord", driver.call(driver.cuEventRecord, event, s.handle()));
        CompletableFuture<Void> done = new CompletableFuture<>();
        s.launch(() -> done.complete(null));
        handlersDone = done;
    }

    @Override
    public boolean isSignalled() {
        CompletableFuture<Void> f = handlersDone;
        if (f == null) {
            return true;
        }
        device.ensureContext();
        int rc = driver.call(driver.cuEventQuery, event);
        if (rc != CudaDriver.CUDA_ERROR_NOT_READY) {
            driver.check("cuEventQuery", rc);
        }
        return rc == CudaDriver.CUDA_SUCCESS && f.isDone();
    }

    @Override
    public boolean synchronize() {
        if (isSignalled()) {
            return false;
        }
        device.ensureContext();
        driver.check("cuEventSynchronize", driver.call(driver.cuEventSynchronize, event));
        try {
            handlersDone.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return true;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            device.ensureContext();
            driver.check("cuEventDestroy", driver.call(driver.cuEventDestroy, event));
        }
    }
}

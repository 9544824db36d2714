package io.heapscope.backend.host;

import io.heapscope.device.CommandStream;
import io.heapscope.device.DeviceEvent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** An event that signals when the stream has run everything submitted before it was recorded. */
final class HostEvent implements DeviceEvent {
    private volatile CompletableFuture<Void> signal;
    private volatile HostStream stream;

    @Override
    public void record(CommandStream stream) {
        if (!(stream instanceof HostStream s)) {
            throw new IllegalArgumentException("not a host-backend stream: " + stream);
        }
        this.stream = s;
        signal = s.runOnStream(() -> { });
    }

    @Override
    public boolean isSignalled() {
        CompletableFuture<Void> s = signal;
        return s == null || s.isDone();
    }

    @Override
    public boolean synchronize() {
        CompletableFuture<Void> s = signal;
        if (s == null || s.isDone()) {
            return false;
        }
        HostStream on = stream;
        if (on != null && on.isStreamThread()) {
            // the signal runs on this very thread, after the handler that is waiting: it would never come
            throw new IllegalStateException("cannot wait for an event on the stream's own thread (e.g. from a"
                    + " completion handler or a callback it runs): it would wait for itself");
        }
        try {
            s.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("event recording failed", e.getCause());
        }
        return true;
    }

    @Override
    public void close() {
        signal = null;
    }
}

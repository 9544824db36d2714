package io.heapscope.backend.host;

import io.heapscope.device.Buffer;
import io.heapscope.device.CommandStream;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The host "device queue": one daemon worker thread running submitted work and completion handlers in submission
 * order. Work retains the buffers it uses from submission until it has run, so the allocator sees real retain
 * counts above 1, pending frees and deferred heap updates.
 */
final class HostStream implements CommandStream {
    private static final Runnable STOP = () -> { };

    /**
     * How long the worker waits for work before it ends; the next submission starts a new one. So a device dropped
     * without {@code close()} leaves no thread behind (a parked worker would be a GC root forever).
     */
    static final long IDLE_MILLIS = 1000;

    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final String name;
    /** The running worker, or null while idle; guarded by this for starting and ending. */
    private volatile Thread worker;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopped;

    HostStream(String name) {
        this.name = name;
    }

    private void loop() {
        while (true) {
            Runnable task;
            try {
                task = queue.poll(IDLE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // only STOP (or idleness with nothing queued) ends the loop, so handlers are never lost
            }
            if (task == null) {
                synchronized (this) {
                    if (queue.isEmpty()) {
                        worker = null;
                        return;
                    }
                }
                continue;
            }
            if (task == STOP) {
                synchronized (this) {
                    worker = null;
                }
                return;
            }
            try {
                task.run();
            } catch (Throwable t) {
                // keep the stream alive; the next synchronize() reports it
                failure.compareAndSet(null, t);
            }
        }
    }

    private synchronized void enqueue(Runnable task) {
        if (stopped) {
            throw new IllegalStateException("stream " + name + " is closed");
        }
        queue.add(task);
        if (worker == null) {
            startWorker();
        }
    }

    /** Under this stream's lock, when no worker runs. */
    private void startWorker() {
        Thread t = Thread.ofPlatform().daemon().name(name).unstarted(this::loop);
        worker = t;
        t.start();
    }

    @Override
    public void submit(List<Buffer> buffers, Runnable work) {
        List<Buffer> held = List.copyOf(buffers);
        java.util.Objects.requireNonNull(work, "work");
        int retained = 0;
        try {
            for (Buffer b : held) {
                b.retain();
                retained++;
            }
            enqueue(() -> {
                try {
                    work.run();
                } finally {
                    for (Buffer b : held) {
                        b.release();
                    }
                }
            });
        } catch (RuntimeException e) {
            for (int i = 0; i < retained; i++) {
                held.get(i).release();
            }
            throw e;
        }
    }

    @Override
    public void commit() {
        // work starts as soon as it is submitted; nothing is batched
    }

    @Override
    public void addCompletedHandler(Runnable handler) {
        enqueue(java.util.Objects.requireNonNull(handler, "handler"));
    }

    boolean isStreamThread() {
        return Thread.currentThread() == worker;
    }

    @Override
    public void synchronize() {
        if (!isStreamThread()) {
            // from a handler, everything submitted before it has already run; waiting on later work would deadlock
            await(runOnStream(() -> { }));
        }
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            throw new IllegalStateException("work submitted to stream " + name + " failed", t);
        }
    }

    /** A future completed once {@code task} has run on the stream, after everything submitted before it. */
    CompletableFuture<Void> runOnStream(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    /**
     * Runs a copy after everything submitted so far, on the calling thread (so confined host segments work), and
     * returns when it is done.
     */
    private void awaitOrRun(Runnable task) {
        if (!isStreamThread()) {
            await(runOnStream(() -> { }));
        }
        task.run();
    }

    private static void await(CompletableFuture<Void> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException r) {
                        throw r;
                    }
                    throw new IllegalStateException(c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void copyToBuffer(MemorySegment source, Buffer destination, long destinationOffset) {
        HostBuffer dst = hostBuffer(destination);
        checkRange(destinationOffset, source.byteSize(), dst.length(), "destination");
        awaitOrRun(() -> MemorySegment.copy(source, 0, dst.memory(), destinationOffset, source.byteSize()));
    }

    @Override
    public void copyFromBuffer(Buffer source, long sourceOffset, MemorySegment destination) {
        HostBuffer src = hostBuffer(source);
        checkRange(sourceOffset, destination.byteSize(), src.length(), "source");
        awaitOrRun(() -> MemorySegment.copy(src.memory(), sourceOffset, destination, 0, destination.byteSize()));
    }

    private static HostBuffer hostBuffer(Buffer b) {
        if (b instanceof HostBuffer h) {
            return h;
        }
        throw new IllegalArgumentException("not a host-backend buffer: " + b);
    }

    private static void checkRange(long offset, long length, long bufferLength, String what) {
        if (offset < 0 || length < 0 || offset > bufferLength - length) {
            throw new IndexOutOfBoundsException("copy of " + length + " bytes at " + what + " offset " + offset
                    + " does not fit a buffer of " + bufferLength + " bytes");
        }
    }

    void close() {
        Thread w;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            w = worker;
            if (w == null) {
                return; // an idle stream: no worker, nothing queued (enqueue starts one whenever it queues)
            }
            queue.add(STOP); // the queued work still runs; then the worker ends
        }
        if (!isStreamThread()) {
            try {
                w.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

}

package io.heapscope.backend;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A retain count as Objective-C objects have: starts at 1; {@link #release()} returns true when it reaches 0, after
 * which retaining or releasing again is an error naming the object.
 */
public final class RefCount {
    private final AtomicInteger count = new AtomicInteger(1);
    private final Supplier<String> what;

    /** @param what names the object in error messages, e.g. "buffer at 0x7f..." */
    public RefCount(Supplier<String> what) {
        this.what = what;
    }

    public void retain() {
        if (count.getAndUpdate(c -> c <= 0 ? c : c + 1) <= 0) {
            throw new IllegalStateException(what.get() + " was released");
        }
    }

    /** Drops one reference; true if it was the last. */
    public boolean release() {
        int after = count.updateAndGet(c -> c <= 0 ? -1 : c - 1);
        if (after < 0) {
            throw new IllegalStateException(what.get() + " released more often than retained");
        }
        return after == 0;
    }

    public int get() {
        return Math.max(0, count.get());
    }

    public boolean isAlive() {
        return count.get() > 0;
    }
}

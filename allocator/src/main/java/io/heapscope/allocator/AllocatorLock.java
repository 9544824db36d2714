package io.heapscope.allocator;

import java.io.Serial;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The allocator's one reentrant lock (the seed's recursive mutex), spinning briefly before it parks.
 *
 * <p>The allocator's critical sections are tens of nanoseconds. A plain {@link ReentrantLock} parks a thread that
 * finds it taken and unparks it on release, a round trip through the OS scheduler that costs microseconds, far
 * more than waiting for the holder to finish: two threads sharing one allocator then did less work together than
 * one alone. Spinning first (for about as long as a few critical sections, with {@link Thread#onSpinWait()}) lets
 * the waiter take the lock as soon as it is free; a holder that stays longer (waiting on the device is done without
 * the lock; a callback may run long) still makes waiters park. Same semantics as {@link ReentrantLock}
 * (non-fair, reentrant, hold counts); only {@link #lock()} differs in how it waits.
 */
final class AllocatorLock extends ReentrantLock {
    @Serial
    private static final long serialVersionUID = 1L;
    /** Spin iterations before parking: a few microseconds at most. */
    private static final int SPINS = 256;

    @Override
    public void lock() {
        if (tryLock()) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (!isLocked() && tryLock()) {
                return;
            }
        }
        super.lock();
    }
}

package io.heapscope.allocator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The allocator's one reentrant lock (the seed's recursive mutex), built so that threads sharing one allocator hand
 * it over rarely.
 *
 * <p>Why not {@link java.util.concurrent.locks.ReentrantLock}: the allocator's critical sections are tens of
 * nanoseconds and most of an operation. Under a lock that changes hands at every operation, each hand-over moves the
 * lock word and the pools' cache lines to the other core, and parking and unparking the loser is a round trip through
 * the OS scheduler of microseconds: two threads on one allocator did half the work of one. Here a thread that finds
 * the lock taken waits without disturbing the owner (it polls a flag the owner rarely writes and looks at the lock
 * word only every {@value #PROBE_EVERY} spins), and the owner, once it sees someone waiting, keeps the lock for up to
 * {@value #SLICE} more releases before it yields to a waiter: ownership moves in slices, so the allocator's state
 * stays in one core's cache while a slice lasts. A waiter that spun about {@value #SPINS} times parks and is unparked
 * by the next release, so a long holder (a memory callback, a device wait under the lock) costs waiters no CPU.
 *
 * <p>Same contract as the {@code ReentrantLock} it replaces for the allocator's use: {@link #lock()} (reentrant, not
 * interruptible: an interrupt is kept for the caller), {@link #unlock()} (throws if the caller does not hold it) and
 * {@link #getHoldCount()}. Not fair: a waiter waits for at most one slice of the owner plus the slices of the other
 * waiters before it.
 *
 * <p>Layout: the owner's fields and the waiters' fields are on separate cache lines (padding by inheritance, as
 * JCTools and Caffeine do), so a spinning waiter does not pull the line the owner writes at every operation.
 */
final class AllocatorLock extends AllocatorLockLayout.WaiterFields {
    /** Releases with a waiter present before the owner yields: about 200 µs of cached pairs. */
    static final int SLICE = 8192;
    /**
     * A waiter looks at the lock word itself this often, to take a lock whose owner left for good without using up
     * its slice; rarely, so it seldom takes the lock from an owner between two operations.
     */
    static final int PROBE_EVERY = 2048;
    /** A waiter yields the CPU this often: a preempted owner runs when the machine has more threads than cores. */
    static final int YIELD_EVERY = 256;
    /** Spins before a waiter parks: tens of microseconds. */
    static final int SPINS = 1 << 12;

    private static final VarHandle OWNER;
    private static final VarHandle WAITING;
    private static final VarHandle PARKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(AllocatorLockLayout.OwnerFields.class, "owner", Thread.class);
            WAITING = l.findVarHandle(AllocatorLockLayout.WaiterFields.class, "waiting", int.class);
            PARKED = l.findVarHandle(AllocatorLockLayout.WaiterFields.class, "parked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentLinkedQueue<Thread> parkedThreads = new ConcurrentLinkedQueue<>();

    /** Takes the lock, waiting as long as it takes (interrupts are kept, not acted on). */
    void lock() {
        Thread t = Thread.currentThread();
        if (owner == t) {
            holds++;
            return;
        }
        if (yieldedBy == null && OWNER.compareAndSet(this, (Thread) null, t)) {
            holds = 1;
            return;
        }
        lockContended(t);
    }

    /**
     * Releases one hold. The last release yields to a waiter once the owner has had its slice, and unparks a parked
     * waiter.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold the lock
     */
    void unlock() {
        Thread t = Thread.currentThread();
        if (owner != t) {
            throw new IllegalMonitorStateException("the allocator lock is held by " + owner + ", not by " + t);
        }
        if (--holds > 0) {
            return;
        }
        if (waiting != 0 && ++releasesInSlice >= SLICE) {
            yieldedBy = t; // before the release: this thread's next lock() then waits its turn
        }
        owner = null; // a volatile store: ordered before the read of parked below (a waiter parks after its own check)
        if (parked != 0) {
            Thread next = parkedThreads.peek();
            if (next != null) {
                LockSupport.unpark(next);
            }
        }
    }

    /** Holds of the calling thread (0 when it does not hold the lock). */
    int getHoldCount() {
        return owner == Thread.currentThread() ? holds : 0;
    }

    private void lockContended(Thread t) {
        WAITING.getAndAdd(this, 1);
        boolean interrupted = false;
        try {
            for (int spins = 1; ; spins++) {
                boolean probe = spins % PROBE_EVERY == 0;
                Thread y = yieldedBy;
                boolean handedToOthers = y != null && y != t;
                if ((handedToOthers || (probe && y == null)) && tryAcquire(t)) {
                    return;
                }
                if (spins < SPINS) {
                    if (spins % YIELD_EVERY == 0) {
                        Thread.yield();
                    } else {
                        Thread.onSpinWait();
                    }
                    continue;
                }
                spins = 0;
                parkedThreads.add(t);
                PARKED.getAndAdd(this, 1); // full fence: the release that finds parked == 0 came before this check
                try {
                    if ((yieldedBy != t) && tryAcquire(t)) {
                        return;
                    }
                    LockSupport.park(this);
                    interrupted |= Thread.interrupted();
                } finally {
                    PARKED.getAndAdd(this, -1);
                    parkedThreads.remove(t);
                }
            }
        } finally {
            WAITING.getAndAdd(this, -1);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean tryAcquire(Thread t) {
        if (owner != null || !OWNER.compareAndSet(this, (Thread) null, t)) {
            return false;
        }
        holds = 1;
        releasesInSlice = 0;
        if (yieldedBy != null) {
            yieldedBy = null; // only the owner writes it; the yielder may take the lock again from now on
        }
        return true;
    }
}

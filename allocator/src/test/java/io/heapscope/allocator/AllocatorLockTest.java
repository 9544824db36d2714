package io.heapscope.allocator;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AllocatorLock}: exclusion, reentrancy, hand-over in slices, parking, interrupts. */
class AllocatorLockTest {

    /** A plain counter, not atomic: only exclusion keeps its increments whole. */
    private long counter;

    @Test
    void excludesAndIsReentrantUnderContention() throws Exception {
        AllocatorLock lock = new AllocatorLock();
        int threads = 4;
        int rounds = 200_000;
        List<Thread> ts = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < rounds; i++) {
                    lock.lock();
                    try {
                        counter++;
                        if ((i & 7) == 0) { // nested, as the allocator's callbacks re-enter it
                            lock.lock();
                            try {
                                counter++;
                                if (lock.getHoldCount() != 2) {
                                    throw new AssertionError("hold count " + lock.getHoldCount());
                                }
                            } finally {
                                lock.unlock();
                            }
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            });
            th.setUncaughtExceptionHandler((x, e) -> failure.set(e));
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join(TimeUnit.MINUTES.toMillis(2));
            assertTrue(!th.isAlive(), "a thread never finished: the lock lost a wake-up or never handed over");
        }
        assertEquals(null, failure.get());
        long nested = (rounds + 7) / 8;
        assertEquals((long) threads * (rounds + nested), counter);
        assertEquals(0, lock.getHoldCount());
    }

    @Test
    void unlockByNonOwnerThrowsAndChangesNothing() throws Exception {
        AllocatorLock lock = new AllocatorLock();
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
        lock.lock();
        AtomicReference<Throwable> other = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                lock.unlock();
            } catch (Throwable e) {
                other.set(e);
            }
        });
        t.start();
        t.join();
        assertTrue(other.get() instanceof IllegalMonitorStateException, String.valueOf(other.get()));
        assertEquals(1, lock.getHoldCount(), "still held by this thread");
        lock.unlock();
        assertEquals(0, lock.getHoldCount());
    }

    /** Two threads hammering the lock do not shut out a third that asks for it once (the owner yields its slice). */
    @Test
    void aWaiterGetsTheLockWhileOthersHammerIt() throws Exception {
        AllocatorLock lock = new AllocatorLock();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong[] taken = {new AtomicLong(), new AtomicLong()};
        List<Thread> hammers = new ArrayList<>();
        for (int h = 0; h < 2; h++) {
            AtomicLong mine = taken[h];
            Thread th = new Thread(() -> {
                while (!stop.get()) {
                    lock.lock();
                    try {
                        mine.incrementAndGet();
                    } finally {
                        lock.unlock();
                    }
                }
            });
            hammers.add(th);
            th.start();
        }
        try {
            for (int round = 0; round < 50; round++) {
                long t0 = System.nanoTime();
                lock.lock();
                lock.unlock();
                long waited = System.nanoTime() - t0;
                assertTrue(waited < TimeUnit.SECONDS.toNanos(5), "waited " + waited + " ns for the lock");
                Thread.sleep(5); // spread over ~0.25 s, so both hammering threads run meanwhile
            }
        } finally {
            stop.set(true);
            for (Thread th : hammers) {
                th.join();
            }
        }
        assertTrue(taken[0].get() > 0 && taken[1].get() > 0, "in ~0.25 s both hammering threads got the lock: " + taken[0] + ", "
                + taken[1]);
    }

    /** A waiter parks behind a long holder, is woken by the release, and keeps an interrupt it got meanwhile. */
    @Test
    void aParkedWaiterIsWokenAndKeepsItsInterrupt() throws Exception {
        AllocatorLock lock = new AllocatorLock();
        lock.lock();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean acquired = new AtomicBoolean();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            started.countDown();
            lock.lock();
            try {
                acquired.set(true);
                interruptKept.set(Thread.currentThread().isInterrupted());
            } finally {
                lock.unlock();
            }
        });
        waiter.start();
        started.await();
        Thread.sleep(200); // long past its spinning: parked
        assertEquals(Thread.State.WAITING, waiter.getState(), "the waiter parks behind a long holder");
        waiter.interrupt();
        Thread.sleep(50);
        assertTrue(!acquired.get(), "an interrupt does not let the waiter in");
        lock.unlock();
        waiter.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(acquired.get(), "the release woke the parked waiter");
        assertTrue(interruptKept.get(), "the interrupt is kept for the caller");
    }
}

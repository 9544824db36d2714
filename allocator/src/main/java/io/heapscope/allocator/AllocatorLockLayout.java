package io.heapscope.allocator;

/**
 * The field layout of {@link AllocatorLock}: the owner's fields and the waiters' fields on separate cache lines
 * (padding by inheritance, as JCTools and Caffeine do: the JVM keeps a superclass's fields before a subclass's).
 */
final class AllocatorLockLayout {
    private AllocatorLockLayout() {
    }


    /** Padding before the owner's fields. */
    @SuppressWarnings("unused")
    abstract static class LeftPadding {
        long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    /** Written at every operation, by the owner only (except the CAS that takes the lock). */
    abstract static class OwnerFields extends LeftPadding {
        volatile Thread owner;
        /** Reentrant holds of the owner. */
        int holds;
        /** Releases since the owner took the lock from a waiter or a yield (counted only while someone waits). */
        int releasesInSlice;
    }

    /** Padding between the owner's line and the waiters' line. */
    @SuppressWarnings("unused")
    abstract static class MiddlePadding extends OwnerFields {
        long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32, p33, p34, p35;
    }

    /** Written once per wait, read by the owner at every release: on another line than the owner's. */
    abstract static class WaiterFields extends MiddlePadding {
        /** The thread that yielded the lock to the waiters (it must not take it back first); null when none. */
        volatile Thread yieldedBy;
        /** Threads in {@link AllocatorLock#lock()} waiting for it. */
        volatile int waiting;
        /** Threads parked in {@link AllocatorLock#lock()} waiting for it. */
        volatile int parked;
        @SuppressWarnings("unused")
        long p40, p41, p42, p43, p44, p45, p46, p47, p48, p49, p50, p51, p52, p53, p54, p55;
    }
}

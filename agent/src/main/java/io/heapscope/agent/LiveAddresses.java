package io.heapscope.agent;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sizes of live allocations by address, for hooks whose release call carries only the address
 * ({@code Unsafe.freeMemory}). Stored off the Java heap (open addressing, 16 bytes a slot, in segments of automatic
 * arenas), so a million live blocks cost the host's garbage collector nothing, and bounded in bytes: past
 * {@code maxBytes} in all new entries are dropped and counted; releases of unknown addresses (foreign, or dropped) are
 * counted too. Striped: each stripe has its own table and lock.
 */
final class LiveAddresses {
    /** 64 MiB: about three million live entries. */
    static final long DEFAULT_MAX_BYTES = 64L << 20;
    private static final int STRIPES = 64;
    private static final int INITIAL_SLOTS = 256;

    private final Stripe[] stripes;
    private final long stripeMaxSlots;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong unknownReleases = new AtomicLong();

    LiveAddresses(long maxBytes) {
        this(STRIPES, maxBytes);
    }

    LiveAddresses(int stripeCount, long maxBytes) {
        stripes = new Stripe[Integer.highestOneBit(Math.max(1, stripeCount))];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe();
        }
        long slots = Math.max(INITIAL_SLOTS, maxBytes / 16 / stripes.length);
        stripeMaxSlots = Long.highestOneBit(slots);
    }

    private static long mix(long address) {
        long h = address * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    private Stripe stripe(long h) {
        return stripes[(int) (h >>> 58) & (stripes.length - 1)];
    }

    void put(long address, long bytes) {
        long h = mix(address);
        Stripe s = stripe(h);
        synchronized (s) {
            if (!s.put(address, bytes, h, stripeMaxSlots)) {
                dropped.incrementAndGet();
            }
        }
    }

    /** The size recorded for the address, removed; -1 if unknown. */
    long remove(long address) {
        long h = mix(address);
        Stripe s = stripe(h);
        long size;
        synchronized (s) {
            size = s.remove(address, h);
        }
        if (size < 0) {
            unknownReleases.incrementAndGet();
        }
        return size;
    }

    long dropped() {
        return dropped.get();
    }

    long unknownReleases() {
        return unknownReleases.get();
    }

    long size() {
        long n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.count;
            }
        }
        return n;
    }

    /** Off-heap bytes the tables hold now. */
    long bytes() {
        long n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.slots * 16;
            }
        }
        return n;
    }

    /** One open-addressing table (key 0 = empty; linear probing, backward-shift deletion). */
    private static final class Stripe {
        MemorySegment table;
        long slots;
        long count;

        boolean put(long key, long value, long h, long maxSlots) {
            if (table == null) {
                slots = Math.min(INITIAL_SLOTS, maxSlots);
                table = Arena.ofAuto().allocate(slots * 16, 8);
            }
            if ((count + 1) * 4 > slots * 3) {
                if (slots * 2 > maxSlots) {
                    long i = find(key, h);
                    if (i >= 0) {
                        table.setAtIndex(ValueLayout.JAVA_LONG, i * 2 + 1, value);
                        return true;
                    }
                    return false;
                }
                grow();
            }
            long mask = slots - 1;
            for (long i = h & mask; ; i = (i + 1) & mask) {
                long k = table.getAtIndex(ValueLayout.JAVA_LONG, i * 2);
                if (k == 0 || k == key) {
                    if (k == 0) {
                        count++;
                        table.setAtIndex(ValueLayout.JAVA_LONG, i * 2, key);
                    }
                    table.setAtIndex(ValueLayout.JAVA_LONG, i * 2 + 1, value);
                    return true;
                }
            }
        }

        private long find(long key, long h) {
            long mask = slots - 1;
            for (long i = h & mask; ; i = (i + 1) & mask) {
                long k = table.getAtIndex(ValueLayout.JAVA_LONG, i * 2);
                if (k == key) {
                    return i;
                }
                if (k == 0) {
                    return -1;
                }
            }
        }

        long remove(long key, long h) {
            if (table == null || key == 0) {
                return -1;
            }
            long i = find(key, h);
            if (i < 0) {
                return -1;
            }
            long value = table.getAtIndex(ValueLayout.JAVA_LONG, i * 2 + 1);
            long mask = slots - 1;
            // backward-shift deletion: move later entries of the probe run into the hole
            long hole = i;
            for (long j = (i + 1) & mask; ; j = (j + 1) & mask) {
                long k = table.getAtIndex(ValueLayout.JAVA_LONG, j * 2);
                if (k == 0) {
                    break;
                }
                long home = mix(k) & mask;
                boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
                if (movable) {
                    table.setAtIndex(ValueLayout.JAVA_LONG, hole * 2, k);
                    table.setAtIndex(ValueLayout.JAVA_LONG, hole * 2 + 1, table.getAtIndex(ValueLayout.JAVA_LONG, j * 2 + 1));
                    hole = j;
                }
            }
            table.setAtIndex(ValueLayout.JAVA_LONG, hole * 2, 0L);
            table.setAtIndex(ValueLayout.JAVA_LONG, hole * 2 + 1, 0L);
            count--;
            return value;
        }

        private void grow() {
            MemorySegment old = table;
            long oldSlots = slots;
            slots = oldSlots * 2;
            table = Arena.ofAuto().allocate(slots * 16, 8);
            long mask = slots - 1;
            for (long i = 0; i < oldSlots; i++) {
                long k = old.getAtIndex(ValueLayout.JAVA_LONG, i * 2);
                if (k != 0) {
                    long j = mix(k) & mask;
                    while (table.getAtIndex(ValueLayout.JAVA_LONG, j * 2) != 0) {
                        j = (j + 1) & mask;
                    }
                    table.setAtIndex(ValueLayout.JAVA_LONG, j * 2, k);
                    table.setAtIndex(ValueLayout.JAVA_LONG, j * 2 + 1, old.getAtIndex(ValueLayout.JAVA_LONG, i * 2 + 1));
                }
            }
        }
    }
}

package io.heapscope.allocator;

import java.util.ArrayList;
import java.util.List;

/**
 * What an operation decided under the allocator lock but must do after unlocking: events for listeners, memory
 * callbacks, closing ownership scopes, releasing device heaps (a driver call that may synchronize). Guarded by the
 * allocator lock; {@link #drain()} hands the queue to the unlocking thread. The common case (one event or nothing)
 * allocates no list.
 */
final class PendingWork {
    private Object first;
    /** Every item, {@link #first} included, once there are two or more; else null. */
    private List<Object> all;

    void add(Object item) {
        if (first == null) {
            first = item;
        } else {
            if (all == null) {
                all = new ArrayList<>(4);
                all.add(first);
            }
            all.add(item);
        }
    }

    boolean isEmpty() {
        return first == null;
    }

    /** Null when nothing is queued; one item; or a {@code List<Object>} of items in the order they were added. */
    Object drain() {
        Object one = first;
        if (one == null) {
            return null;
        }
        first = null;
        List<Object> items = all;
        if (items == null) {
            return one;
        }
        all = null;
        return items;
    }
}

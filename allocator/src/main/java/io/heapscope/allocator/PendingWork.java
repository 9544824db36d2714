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
    private List<Object> more;

    void add(Object item) {
        if (first == null) {
            first = item;
        } else {
            if (more == null) {
                more = new ArrayList<>(4);
            }
            more.add(item);
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
        List<Object> rest = more;
        if (rest == null) {
            return one;
        }
        more = null;
        List<Object> all = new ArrayList<>(rest.size() + 1);
        all.add(one);
        all.addAll(rest);
        return all;
    }
}

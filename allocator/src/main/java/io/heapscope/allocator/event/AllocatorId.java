package io.heapscope.allocator.event;

import java.util.Objects;

/**
 * Which allocator an event or metric comes from: a number unique within the JVM and a name the user may set, so two
 * allocators of one process can be told apart in a recording or on a dashboard.
 *
 * @param id   unique per JVM, from 1, in creation order
 * @param name the name given to the builder, else {@code "heapscope-<id>"}
 */
public record AllocatorId(long id, String name) {
    public AllocatorId {
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
        return name + " (#" + id + ")";
    }
}

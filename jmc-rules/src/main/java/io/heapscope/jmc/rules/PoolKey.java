package io.heapscope.jmc.rules;

import java.util.Collection;
import java.util.Objects;

/** One pool of one allocator; {@code allocatorName} and {@code pool} may be null in older recordings. */
record PoolKey(long allocatorId, String allocatorName, String pool) {

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolKey && ((PoolKey) o).allocatorId == allocatorId
                && Objects.equals(((PoolKey) o).pool, pool);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(allocatorId) * 31 + (pool == null ? 0 : pool.hashCode());
    }

    PoolKey allocatorOnly() {
        return new PoolKey(allocatorId, allocatorName, null);
    }

    String poolName() {
        return pool == null || pool.isEmpty() ? "(unknown pool)" : pool;
    }

    String allocatorLabel() {
        if (allocatorName != null && !allocatorName.isEmpty()) {
            return allocatorName;
        }
        return allocatorId == 0 ? "the allocator (no id recorded)" : "allocator #" + allocatorId;
    }

    /** The pool's name, qualified by its allocator when the recording has more than one allocator. */
    String display(boolean severalAllocators) {
        return severalAllocators ? poolName() + " of " + allocatorLabel() : poolName();
    }

    static boolean severalAllocators(Collection<PoolKey> keys) {
        return keys.stream().mapToLong(PoolKey::allocatorId).distinct().count() > 1;
    }
}

package io.heapscope.allocator;

/**
 * The allocator's buffers by device address (the seed's {@code m_allocated_buffers}): an open-addressing hash table
 * keyed by the primitive address (linear probing, backward-shift deletion), so a lookup neither boxes the address
 * nor chases a node. Same contract as the {@code Map<Long, BufferBlock>} it replaces for get/put/remove. Guarded by
 * the allocator lock.
 */
final class AddressMap {
    private long[] keys = new long[64];
    private BufferBlock[] values = new BufferBlock[64];
    private int size;

    int size() {
        return size;
    }

    /** Every block, in table order (for invariant checks; not a hot path). */
    java.util.List<BufferBlock> values() {
        java.util.List<BufferBlock> out = new java.util.ArrayList<>(size);
        for (BufferBlock b : values) {
            if (b != null) {
                out.add(b);
            }
        }
        return out;
    }

    private static int hash(long address) {
        long h = address * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29) ^ (h >>> 43));
    }

    BufferBlock get(long address) {
        int mask = keys.length - 1;
        for (int i = hash(address) & mask; ; i = (i + 1) & mask) {
            BufferBlock v = values[i];
            if (v == null || keys[i] == address) {
                return v;
            }
        }
    }

    /** Maps the address to the block; returns the block it replaced, or null. */
    BufferBlock put(long address, BufferBlock block) {
        if (block == null) {
            throw new NullPointerException("block");
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = hash(address) & mask;
        while (values[i] != null) {
            if (keys[i] == address) {
                BufferBlock old = values[i];
                values[i] = block;
                return old;
            }
            i = (i + 1) & mask;
        }
        keys[i] = address;
        values[i] = block;
        size++;
        return null;
    }

    /** Removes the address; returns the block it mapped to, or null. */
    BufferBlock remove(long address) {
        int mask = keys.length - 1;
        int i = hash(address) & mask;
        while (values[i] != null && keys[i] != address) {
            i = (i + 1) & mask;
        }
        BufferBlock old = values[i];
        if (old == null) {
            return null;
        }
        values[i] = null;
        size--;
        // backward-shift the rest of the cluster so lookups never stop early
        for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
            int home = hash(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - i) & mask)) {
                keys[i] = keys[j];
                values[i] = values[j];
                values[j] = null;
                i = j;
            }
        }
        return old;
    }

    private void grow() {
        long[] oldKeys = keys;
        BufferBlock[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new BufferBlock[oldValues.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldValues[j] != null) {
                int i = hash(oldKeys[j]) & mask;
                while (values[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
            }
        }
    }
}

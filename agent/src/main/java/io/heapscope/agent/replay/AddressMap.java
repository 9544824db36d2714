package io.heapscope.agent.replay;

import java.util.Arrays;

/** Open-addressing map from a non-zero address to a value, without boxing: the replay loop's live table. */
final class AddressMap<V> {
    private long[] keys;
    private Object[] values;
    private int size;
    private int mask;

    AddressMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new long[cap];
        values = new Object[cap];
        mask = cap - 1;
    }

    private static int hash(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Puts and returns the previous value, or null. Key 0 is stored as a distinct key like any other. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        long k = key + 1 == 0 ? Long.MIN_VALUE + 7 : key + 1; // 0 marks an empty slot
        int i = hash(k) & mask;
        while (keys[i] != 0) {
            if (keys[i] == k) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    V remove(long key) {
        long k = key + 1 == 0 ? Long.MIN_VALUE + 7 : key + 1;
        int i = hash(k) & mask;
        while (keys[i] != 0) {
            if (keys[i] == k) {
                V old = (V) values[i];
                // backward-shift deletion keeps probe chains intact
                int j = i;
                while (true) {
                    j = (j + 1) & mask;
                    if (keys[j] == 0) {
                        break;
                    }
                    int home = hash(keys[j]) & mask;
                    if (((j - home) & mask) >= ((j - i) & mask)) {
                        keys[i] = keys[j];
                        values[i] = values[j];
                        i = j;
                    }
                }
                keys[i] = 0;
                values[i] = null;
                size--;
                return old;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    void forEachValue(java.util.function.Consumer<V> action) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != 0) {
                action.accept((V) values[i]);
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Object[oldKeys.length * 2];
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                int j = hash(oldKeys[i]) & mask;
                while (keys[j] != 0) {
                    j = (j + 1) & mask;
                }
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
        Arrays.fill(oldValues, null);
    }
}

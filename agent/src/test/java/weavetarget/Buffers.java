package weavetarget;

/** What the weaver tests hook (a package of its own: the weaver leaves io.heapscope classes alone). */
public class Buffers extends Base {
    public long address = 42;
    private final int capacity;
    public int explodes;

    public Buffers(int capacity) {
        this.capacity = capacity;
    }

    /** Two returns, and a throw. */
    public long allocate(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative: " + size);
        }
        if (size == 0) {
            return 0;
        }
        return address + size;
    }

    public void free() {
        address = 0;
    }

    /** Its own handler keeps working inside the woven code. */
    public int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Calls itself: nested scopes of one framework. */
    public int depth(int n) {
        return n == 0 ? 0 : depth(n - 1) + 1;
    }

    public Object make(int kind) {
        switch (kind) {
            case 0:
                return null;
            case 1:
                return "text";
            default:
                return new StringBuilder("built");
        }
    }

    public synchronized double average(long total, int count) {
        return (double) total / count;
    }

    public static long sum(long a, int b) {
        return a + b;
    }

    /** Woven code that calls it fails. */
    public int explode() {
        explodes++;
        throw new IllegalStateException("boom");
    }

    public int capacity() {
        return capacity;
    }
}

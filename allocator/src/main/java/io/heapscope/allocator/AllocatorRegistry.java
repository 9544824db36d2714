package io.heapscope.allocator;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every live {@link HeapAllocator} of the JVM, and listeners told about each new one. Lets observers that did not
 * create the allocators (the agent, a metrics exporter) attach sinks to their event routers. Holds allocators
 * weakly, so registering never keeps one alive.
 */
public final class AllocatorRegistry {
    private static final List<WeakReference<HeapAllocator>> ALLOCATORS = new ArrayList<>();
    private static final CopyOnWriteArrayList<Consumer<HeapAllocator>> LISTENERS = new CopyOnWriteArrayList<>();

    private AllocatorRegistry() {
    }

    /**
     * Calls {@code listener} for every live allocator now, and for each allocator created from now on (on the
     * creating thread, at the end of its construction). A listener that throws is skipped for that allocator.
     */
    public static void addListener(Consumer<HeapAllocator> listener) {
        List<HeapAllocator> live;
        synchronized (ALLOCATORS) {
            LISTENERS.add(listener);
            live = liveAllocators();
        }
        for (HeapAllocator a : live) {
            notify(listener, a);
        }
    }

    public static boolean removeListener(Consumer<HeapAllocator> listener) {
        return LISTENERS.remove(listener);
    }

    /** The allocators alive and not closed. */
    public static List<HeapAllocator> liveAllocators() {
        synchronized (ALLOCATORS) {
            List<HeapAllocator> out = new ArrayList<>();
            ALLOCATORS.removeIf(ref -> {
                HeapAllocator a = ref.get();
                if (a == null || a.isClosed()) {
                    return true;
                }
                out.add(a);
                return false;
            });
            return out;
        }
    }

    static void register(HeapAllocator allocator) {
        List<Consumer<HeapAllocator>> listeners;
        synchronized (ALLOCATORS) {
            // dropped and closed allocators leave: the list never grows beyond the live ones plus this one
            ALLOCATORS.removeIf(ref -> {
                HeapAllocator a = ref.get();
                return a == null || a.isClosed();
            });
            ALLOCATORS.add(new WeakReference<>(allocator));
            listeners = List.copyOf(LISTENERS);
        }
        for (Consumer<HeapAllocator> l : listeners) {
            notify(l, allocator);
        }
    }

    static void unregister(HeapAllocator allocator) {
        synchronized (ALLOCATORS) {
            ALLOCATORS.removeIf(ref -> {
                HeapAllocator a = ref.get();
                return a == null || a == allocator;
            });
        }
    }

    /** Entries held now, live or not yet purged (for tests of the bound). */
    static int size() {
        synchronized (ALLOCATORS) {
            return ALLOCATORS.size();
        }
    }

    private static void notify(Consumer<HeapAllocator> listener, HeapAllocator allocator) {
        try {
            listener.accept(allocator);
        } catch (RuntimeException e) {
            // an observer must never break the allocator's user
            System.getLogger(HeapAllocator.LOGGER_NAME).log(System.Logger.Level.WARNING,
                    "allocator listener " + listener + " failed", e);
        }
    }
}

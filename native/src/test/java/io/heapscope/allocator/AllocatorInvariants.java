package io.heapscope.allocator;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * After every test of this module, checks the internal invariants of every allocator the test created (accounting,
 * pool order, heap buffer counts, nothing left queued), as Caffeine's {@code CacheValidationInterceptor} validates
 * every cache after each test. Registered for all tests by JUnit's extension auto-detection.
 */
public final class AllocatorInvariants implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(AllocatorInvariants.class);

    /** Held weakly: a test may drop allocators on purpose, and checking must not keep them alive. */
    private record Watch(List<WeakReference<HeapAllocator>> created, Consumer<HeapAllocator> listener) {
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        List<WeakReference<HeapAllocator>> created = java.util.Collections.synchronizedList(new ArrayList<>());
        Consumer<HeapAllocator> listener = a -> created.add(new WeakReference<>(a));
        AllocatorRegistry.addListener(listener);
        context.getStore(NS).put("watch", new Watch(created, listener));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Watch w = context.getStore(NS).remove("watch", Watch.class);
        if (w == null) {
            return;
        }
        AllocatorRegistry.removeListener(w.listener());
        List<String> broken = new ArrayList<>();
        for (WeakReference<HeapAllocator> ref : List.copyOf(w.created())) {
            HeapAllocator a = ref.get();
            if (a == null) {
                continue;
            }
            for (String v : a.invariantViolations()) {
                broken.add(a.id() + ": " + v);
            }
        }
        if (!broken.isEmpty() && context.getExecutionException().isEmpty()) {
            fail("allocator invariants broken after " + context.getDisplayName() + ":\n  " + String.join("\n  ", broken));
        }
    }
}

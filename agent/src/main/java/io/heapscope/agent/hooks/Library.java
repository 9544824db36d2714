package io.heapscope.agent.hooks;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Predicate;

/** Class-loader tests for hooks ({@code MethodHook.onlyIf}): a library version is supported when the classes the advice relies on are there. */
public final class Library {
    private Library() {
    }

    /** Matches class loaders that can see every one of {@code classNames} (looked up as resources, never loaded). */
    public static Predicate<ClassLoader> has(String... classNames) {
        return new Has(classNames.clone());
    }

    /** Remembers its answer per class loader (weakly: loaders come and go). */
    private static final class Has implements Predicate<ClassLoader> {
        private final String[] classNames;
        private final Map<ClassLoader, Boolean> seen = new WeakHashMap<>();

        Has(String[] classNames) {
            this.classNames = classNames;
        }

        @Override
        public boolean test(ClassLoader loader) {
            if (loader == null) {
                return false;
            }
            synchronized (seen) {
                Boolean known = seen.get(loader);
                if (known != null) {
                    return known;
                }
            }
            boolean all = true;
            for (String c : classNames) {
                if (loader.getResource(c.replace('.', '/') + ".class") == null) {
                    all = false;
                    break;
                }
            }
            synchronized (seen) {
                seen.put(loader, all);
            }
            return all;
        }
    }
}

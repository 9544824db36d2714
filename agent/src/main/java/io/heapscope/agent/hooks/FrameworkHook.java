package io.heapscope.agent.hooks;

/**
 * One framework the agent can hook: one class, listed in
 * {@code META-INF/services/io.heapscope.agent.hooks.FrameworkHook} and found by {@link java.util.ServiceLoader}.
 * It matches the library versions it supports itself ({@link Library#has}: the classes its woven code needs, checked per
 * class loader, as OpenTelemetry's muzzle does), reports through the generic
 * {@link io.heapscope.agent.bootstrap.HeapscopeDispatch}, and can be switched off with the {@code hooks} option.
 */
public interface FrameworkHook {
    /** Every hook on the agent's class path, in service-file order, found once (the options, install and report share it). */
    static java.util.List<FrameworkHook> available() {
        return FoundHooks.HOOKS;
    }

    /** The name used in the {@code hooks} option (and the framework name its events carry, unless it says otherwise). */
    String name();

    /**
     * Prefixes of the names of the classes this hook transforms: at install, only loaded classes with these prefixes
     * are retransformed (looking at every loaded class would cost the host's startup).
     */
    java.util.List<String> classPrefixes();

    /**
     * Prefixes of the framework's own classes: the report skips their frames when it looks for the first
     * application frame of an allocation. The hooked classes' prefixes unless the hook says more.
     */
    default java.util.List<String> libraryPrefixes() {
        return classPrefixes();
    }

    /**
     * What this hook weaves: its method hooks, each naming the classes and methods it changes and the code that runs
     * at their entry and exits ({@link io.heapscope.agent.weave.MethodHook}, {@link io.heapscope.agent.weave.Code}).
     * Called once, when the hooks are installed: it may load (without initializing) the JDK classes it needs
     * retransformed then, or return an empty list when this runtime lacks what it hooks.
     */
    java.util.List<io.heapscope.agent.weave.MethodHook> methodHooks();
}

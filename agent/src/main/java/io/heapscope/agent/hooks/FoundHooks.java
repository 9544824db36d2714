package io.heapscope.agent.hooks;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The hooks {@link ServiceLoader} finds, looked up on first use only: an agent with every flag off never runs it. */
final class FoundHooks {
    static final List<FrameworkHook> HOOKS = find();

    private FoundHooks() {
    }

    private static List<FrameworkHook> find() {
        List<FrameworkHook> hooks = new ArrayList<>();
        ServiceLoader.load(FrameworkHook.class, FrameworkHook.class.getClassLoader()).forEach(hooks::add);
        return List.copyOf(hooks);
    }
}

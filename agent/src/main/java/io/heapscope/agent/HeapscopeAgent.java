package io.heapscope.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;

/**
 * Agent entry points. First puts the small dispatcher on the bootstrap class path (before anything else could load
 * it from the agent jar), then hands over to {@link AgentInstaller}. Nothing here may throw into the application:
 * a failure is reported on stderr once and the application runs on unobserved.
 */
public final class HeapscopeAgent {
    /** Defined in this order: the interface first, as the dispatcher refers to it. */
    private static final String[] BOOTSTRAP_CLASSES = {
            "io.heapscope.agent.bootstrap.HeapscopeDispatch$Hook",
            "io.heapscope.agent.bootstrap.HeapscopeDispatch$Scope",
            "io.heapscope.agent.bootstrap.HeapscopeDispatch"};
    /** The system property through which an attach reports its outcome to {@code Main attach}. */
    static final String STATUS_PROPERTY = "heapscope.agent.status";
    private static boolean bootstrapped;
    /** The options of a start that installed nothing (every flag off), for the attach that turns flags on. */
    private static String startArgs;

    private HeapscopeAgent() {
    }

    public static void premain(String args, Instrumentation inst) {
        String failure = start(args, inst);
        if (failure != null) {
            System.err.println("heapscope agent: not started: " + failure);
        }
    }

    /** Never throws into the target; the outcome goes to {@value #STATUS_PROPERTY} for the attaching tool. */
    public static void agentmain(String args, Instrumentation inst) {
        String failure = start(args, inst);
        if (failure != null) {
            System.setProperty(STATUS_PROPERTY, "failed: " + failure);
        }
    }

    /** Returns null on success, else what went wrong. */
    private static synchronized String start(String args, Instrumentation inst) {
        try {
            // keep (shaded) Byte Buddy off sun.misc.Unsafe, whose use prints deprecation warnings on JDK 24+; the
            // name is assembled at run time so shading cannot rewrite one of the two spellings
            String safe = "bytebuddy.safe";
            System.setProperty("net." + safe, "true");
            System.setProperty(String.join(".", "io", "heapscope", "agent", "shaded", safe), "true");
            if (!bootstrapped) {
                // options given at start and not yet applied (every flag was off) hold for a later attach too;
                // the attach's own options win key by key
                String merged = startArgs == null || startArgs.isBlank() ? args
                        : args == null || args.isBlank() ? startArgs : startArgs + "," + args;
                if (AgentOptions.verbosityOf(merged) == 0) {
                    // every flag off and nothing installed yet: load nothing more (an attach that sets flags does it)
                    startArgs = merged;
                    System.setProperty(STATUS_PROPERTY, "ok: every flag is off: nothing installed until an attach turns flags on");
                    return null;
                }
                args = merged;
            }
            if (!bootstrapped) {
                injectBootstrapClasses(inst);
                bootstrapped = true;
            }
            String note = AgentInstaller.install(args, inst);
            System.setProperty(STATUS_PROPERTY, "ok: " + note);
            return null;
        } catch (Throwable t) {
            return t.getMessage() != null && t instanceof IllegalArgumentException ? t.getMessage() : t.toString();
        }
    }

    /**
     * Defines the dispatcher classes in the bootstrap loader through the JDK's internal class definer, opened to this
     * agent with {@link Instrumentation#redefineModule}. Unlike appending a jar to the bootstrap class path, this keeps
     * class-data sharing on and prints nothing into the application's output.
     */
    private static void injectBootstrapClasses(Instrumentation inst) throws Exception {
        Module base = Object.class.getModule();
        inst.redefineModule(base, Set.of(), Map.of(),
                Map.of("jdk.internal.misc", Set.of(HeapscopeAgent.class.getModule())), Set.of(), Map.of());
        Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
        Method define = unsafeClass.getMethod("defineClass", String.class, byte[].class, int.class, int.class,
                ClassLoader.class, ProtectionDomain.class);
        for (String name : BOOTSTRAP_CLASSES) {
            try (InputStream in = HeapscopeAgent.class.getClassLoader()
                    .getResourceAsStream(name.replace('.', '/') + ".class")) {
                if (in == null) {
                    throw new IOException("agent jar lacks " + name);
                }
                byte[] bytes = in.readAllBytes();
                define.invoke(unsafe, name, bytes, 0, bytes.length, null, null);
            }
        }
    }
}

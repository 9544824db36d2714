package io.heapscope.agent;

import java.lang.instrument.Instrumentation;

/**
 * Agent entry points. First puts the small dispatcher on the bootstrap class path (before anything else could load
 * it from the agent jar), then hands over to {@link AgentInstaller}. Nothing here may throw into the application:
 * a failure is reported on stderr once and the application runs on unobserved.
 */
public final class HeapscopeAgent {
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
                BootstrapClasses.inject(inst);
                bootstrapped = true;
            }
            String note = AgentInstaller.install(args, inst);
            System.setProperty(STATUS_PROPERTY, "ok: " + note);
            return null;
        } catch (Throwable t) {
            return t.getMessage() != null && t instanceof IllegalArgumentException ? t.getMessage() : t.toString();
        }
    }
}

package io.heapscope.jmc.rules;

import java.util.ArrayList;
import java.util.List;

import org.openjdk.jmc.common.IMCFrame;
import org.openjdk.jmc.common.IMCMethod;
import org.openjdk.jmc.common.IMCStackTrace;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.TypedPreference;

/**
 * Finds the application's frame in an allocation's stack trace: the first frame whose class is not in one of the
 * excluded packages (Heapscope's own layers, JFR, the JDK's and Netty's buffer internals), so that an event committed
 * deep inside the allocator or a hooked framework is charged to the code that asked for the memory.
 */
final class AppFrames {
    static final String NO_STACK = "(no stack trace)";

    static final TypedPreference<String> EXCLUDED_PACKAGES = new TypedPreference<>("heapscope.frames.excluded",
            "Excluded frame prefixes",
            "Comma-separated class-name prefixes skipped when looking for the application's frame of an allocation",
            UnitLookup.PLAIN_TEXT.getPersister(),
            "io.heapscope.allocator.,io.heapscope.telemetry.,io.heapscope.agent.,io.heapscope.backend.,"
                    + "io.heapscope.device.,jdk.jfr.,jdk.internal.,java.nio.,sun.nio.,sun.misc.,java.lang.foreign.,"
                    + "io.netty.buffer.,io.netty.util.internal.");

    private final List<String> excluded = new ArrayList<>();

    AppFrames(String excludedPrefixes) {
        if (excludedPrefixes != null) {
            for (String p : excludedPrefixes.split(",")) {
                if (!p.isBlank()) {
                    excluded.add(p.trim());
                }
            }
        }
    }

    /** {@code Class.method} of the application's frame, or {@link #NO_STACK}. */
    String topFrame(IMCStackTrace trace) {
        if (trace == null || trace.getFrames() == null || trace.getFrames().isEmpty()) {
            return NO_STACK;
        }
        IMCFrame first = null;
        for (IMCFrame f : trace.getFrames()) {
            String name = methodName(f);
            if (name == null) {
                continue;
            }
            if (first == null) {
                first = f;
            }
            if (!isExcluded(name)) {
                return name;
            }
        }
        return first == null ? NO_STACK : methodName(first);
    }

    private boolean isExcluded(String qualifiedMethod) {
        for (String p : excluded) {
            if (qualifiedMethod.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static String methodName(IMCFrame frame) {
        IMCMethod m = frame.getMethod();
        if (m == null || m.getType() == null) {
            return null;
        }
        return m.getType().getFullName() + "." + m.getMethodName();
    }
}

package io.heapscope.backend;

import io.heapscope.device.Device;
import io.heapscope.device.DeviceProvider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Chooses and opens a device backend: {@code heapscope.backend} system property or {@code HEAPSCOPE_BACKEND}
 * environment variable, one of {@code auto|host|cuda|metal} (default auto). Auto picks Metal on macOS, CUDA where its
 * driver loads, else host. Backend settings come from system properties {@code heapscope.<backend>.<key>} (e.g.
 * {@code heapscope.host.capacity=8g}).
 */
public final class Backends {
    public static final List<String> NAMES = List.of("auto", "host", "cuda", "metal");

    /** An opened device and why it was chosen (printed in the allocator's first PROFILING line). */
    public record SelectedDevice(Device device, String reason) {
    }

    private Backends() {
    }

    public static SelectedDevice open() {
        String requested = System.getProperty("heapscope.backend", System.getenv().getOrDefault("HEAPSCOPE_BACKEND", "auto"));
        return open(requested);
    }

    public static SelectedDevice open(String requested) {
        String name = requested.strip().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown backend '" + requested + "' (accepted: " + String.join(", ", NAMES) + ")");
        }
        Map<String, DeviceProvider> providers = providers();
        if (!name.equals("auto")) {
            DeviceProvider p = providers.get(name);
            if (p == null) {
                throw new IllegalStateException("backend '" + name + "' is not on the class path");
            }
            Optional<String> why = p.unavailableReason();
            if (why.isPresent()) {
                throw new IllegalStateException("backend '" + name + "' is unavailable: " + why.get());
            }
            return new SelectedDevice(p.open(settingsFor(name)), "backend " + name + " chosen explicitly");
        }
        List<String> skipped = new ArrayList<>();
        boolean mac = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
        for (String candidate : mac ? List.of("metal", "cuda") : List.of("cuda")) {
            DeviceProvider p = providers.get(candidate);
            String reason = p == null ? "not on the class path" : p.unavailableReason().orElse(null);
            if (reason == null) {
                return new SelectedDevice(p.open(settingsFor(candidate)), "backend " + candidate
                        + " chosen automatically" + (mac ? " on macOS" : " (driver loaded)"));
            }
            skipped.add(candidate + ": " + reason);
        }
        if (!mac) {
            skipped.add("metal: not macOS");
        }
        return new SelectedDevice(providers.get("host").open(settingsFor("host")),
                "backend host chosen automatically (" + String.join("; ", skipped) + ")");
    }

    /** Providers found through ServiceLoader, by name. */
    public static Map<String, DeviceProvider> providers() {
        Map<String, DeviceProvider> out = new LinkedHashMap<>();
        for (DeviceProvider p : ServiceLoader.load(DeviceProvider.class, Backends.class.getClassLoader())) {
            out.putIfAbsent(p.name(), p);
        }
        return out;
    }

    /** System properties {@code heapscope.<backend>.<key>} as a settings map. */
    static Map<String, String> settingsFor(String backend) {
        Map<String, String> out = new LinkedHashMap<>();
        String prefix = "heapscope." + backend + ".";
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), System.getProperty(k));
            }
        }
        return out;
    }
}

package io.heapscope.backend.metal;

import io.heapscope.device.Device;
import io.heapscope.device.DeviceProvider;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Metal backend: available on macOS (the system's Objective-C runtime and Metal framework), or wherever
 * {@code heapscope.metal.runtime} / {@code HEAPSCOPE_METAL_RUNTIME} names a library providing the Objective-C runtime
 * and Metal's entry points.
 */
public final class MetalDeviceProvider implements DeviceProvider {
    private static ObjC objc;
    private static String unavailable;

    @Override
    public String name() {
        return "metal";
    }

    private static synchronized void probe() {
        if (objc != null || unavailable != null) {
            return;
        }
        String runtime = System.getProperty("heapscope.metal.runtime", System.getenv("HEAPSCOPE_METAL_RUNTIME"));
        boolean mac = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac");
        if (runtime == null && !mac) {
            unavailable = "not macOS, and no heapscope.metal.runtime library given";
            return;
        }
        if (runtime != null && !Files.isRegularFile(Path.of(runtime))) {
            unavailable = "heapscope.metal.runtime names no file: " + runtime;
            return;
        }
        try {
            objc = ObjC.load(runtime);
        } catch (Throwable t) {
            unavailable = "Objective-C runtime not loadable: " + t.getMessage();
        }
    }

    @Override
    public Optional<String> unavailableReason() {
        probe();
        return Optional.ofNullable(unavailable);
    }

    @Override
    public Device open(Map<String, String> settings) {
        probe();
        if (objc == null) {
            throw new IllegalStateException(unavailable);
        }
        return new MetalDevice(objc, settings);
    }
}

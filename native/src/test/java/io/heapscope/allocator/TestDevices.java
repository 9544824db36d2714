package io.heapscope.allocator;

import io.heapscope.backend.Backends;
import io.heapscope.backend.host.HostDevice;
import io.heapscope.device.Device;
import io.heapscope.device.DeviceProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The devices the behavioural suite runs on: the host backend always, and every other backend whose provider
 * reports itself available here (CUDA on a GPU machine, Metal on a Mac or against the simulated runtime).
 */
final class TestDevices {
    /** A named way to open a device with a given capacity (recommended max working set) and memory kind. */
    record Backend(String name, Function<Spec, Device> opener) {
        Device open(long capacity, boolean unified) {
            return opener.apply(new Spec(capacity, unified));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    record Spec(long capacity, boolean unified) {
    }

    private TestDevices() {
    }

    static List<Backend> backends() {
        List<Backend> out = new ArrayList<>();
        out.add(new Backend("host", s -> HostDevice.builder().capacity(s.capacity()).unifiedMemory(s.unified()).build()));
        for (Map.Entry<String, DeviceProvider> e : Backends.providers().entrySet()) {
            if (!e.getKey().equals("host") && e.getValue().unavailableReason().isEmpty()) {
                DeviceProvider p = e.getValue();
                out.add(new Backend(e.getKey(), s -> p.open(Map.of("capacity", Long.toString(s.capacity()),
                        "unified", Boolean.toString(s.unified())))));
            }
        }
        return out;
    }

    static HostDevice host(long capacity) {
        return HostDevice.builder().capacity(capacity).build();
    }
}

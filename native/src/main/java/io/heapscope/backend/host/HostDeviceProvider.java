package io.heapscope.backend.host;

import io.heapscope.device.Device;
import io.heapscope.device.DeviceProvider;

import java.util.Map;
import java.util.Optional;

/** The host backend: always available. */
public final class HostDeviceProvider implements DeviceProvider {
    @Override
    public String name() {
        return "host";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Device open(Map<String, String> settings) {
        return HostDevice.open(settings);
    }
}

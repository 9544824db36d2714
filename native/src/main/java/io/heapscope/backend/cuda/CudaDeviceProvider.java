package io.heapscope.backend.cuda;

import io.heapscope.device.Device;
import io.heapscope.device.DeviceProvider;

import java.util.Map;
import java.util.Optional;

/** The CUDA backend: available where libcuda.so.1 loads and cuInit succeeds. */
public final class CudaDeviceProvider implements DeviceProvider {
    private static volatile CudaDriver driver;
    private static volatile String unavailable;

    @Override
    public String name() {
        return "cuda";
    }

    private static synchronized void probe() {
        if (driver == null && unavailable == null) {
            try {
                driver = CudaDriver.load();
            } catch (Throwable t) {
                unavailable = "CUDA driver not usable: " + t.getMessage();
            }
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
        if (driver == null) {
            throw new IllegalStateException(unavailable);
        }
        return new CudaDevice(driver, settings);
    }
}

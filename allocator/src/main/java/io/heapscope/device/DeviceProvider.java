package io.heapscope.device;

import java.util.Optional;

/**
 * A backend, found through {@link java.util.ServiceLoader}. {@link #unavailableReason()} says whether it can run here
 * and, if not, why, so auto-selection can explain its choice.
 */
public interface DeviceProvider {

    /** "host", "cuda" or "metal". */
    String name();

    /** Empty when the backend can open a device here; otherwise the reason it cannot. */
    Optional<String> unavailableReason();

    /** Opens the backend's default device with the given settings (backend-specific keys, documented per backend). */
    Device open(java.util.Map<String, String> settings);
}

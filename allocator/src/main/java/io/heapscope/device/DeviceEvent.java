package io.heapscope.device;

/** An event recorded on a stream and waited on by the CPU ({@code MTLSharedEvent} with a signal value). */
public interface DeviceEvent extends AutoCloseable {

    /** Records the event: it signals once everything submitted to the stream so far has completed. */
    void record(CommandStream stream);

    /** True once the last recording has signalled (or if it was never recorded). */
    boolean isSignalled();

    /**
     * Blocks until the last recording signals. Returns true if the CPU actually had to wait, false if the event
     * had already signalled or was never recorded.
     */
    boolean synchronize();

    @Override
    void close();
}

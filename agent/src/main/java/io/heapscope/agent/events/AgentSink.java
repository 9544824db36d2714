package io.heapscope.agent.events;

/**
 * Where the agent's framework events go (JFR, OpenTelemetry, a log). Independent of the allocator's telemetry: these
 * are the agent's own event types ({@link JfrAgentSink} lists them). Implementations never throw into the host.
 */
public interface AgentSink {
    /** Off-heap memory obtained by {@code framework} ({@code mechanism}: the lower layer it went through, or null). */
    void allocation(String framework, String mechanism, long size, long address);

    /** Off-heap memory given back. */
    void free(String framework, String mechanism, long size, long address);

    /** A file region mapped into memory ({@code FileChannel.map}). */
    void mapping(String framework, String file, long size, long address);

    /** A mapping unmapped. */
    void unmapping(String framework, String file, long size, long address);

    /** A buffer carved out of a pool's memory; {@code newChunk}: the pool had to allocate a chunk for it. */
    void pooledAllocation(String framework, long size, boolean newChunk);

    /** A pooled buffer went back to its pool. */
    void pooledFree(String framework, long size);

    /** A pool took a cached chunk back into use instead of allocating one. */
    void chunkReuse(String framework, long size);
}

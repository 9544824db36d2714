package io.heapscope.allocator;

import io.heapscope.device.Buffer;
import io.heapscope.device.CommandStream;
import io.heapscope.device.Device;
import io.heapscope.device.SizeAndAlign;
import io.heapscope.telemetry.MemoryEventRouter;
import io.heapscope.telemetry.MemoryEventSink;
import io.heapscope.telemetry.SinkKind;
import io.heapscope.telemetry.jfr.JfrMemoryEventSink;
import io.heapscope.telemetry.jfr.JfrPoolStatistics;
import io.heapscope.telemetry.otel.AllocatorMetrics;
import io.heapscope.telemetry.otel.OtelSpanSink;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import static io.heapscope.allocator.SizeClasses.formatSize;

/**
 * A Java port of PyTorch's {@code MPSHeapAllocatorImpl} (v2.11.0, the five-pool design) over the device SPI.
 *
 * <p>Buffers are sub-allocated from device heaps kept in five pools; freed buffers are cached and reused best-fit by
 * (size, address); under memory pressure (low watermark) aged cached buffers are garbage collected; the high
 * watermark is a hard limit. Method names and behaviour follow the seed function for function; see
 * {@code docs/allocator.md} for the mapping and the few deliberate differences.
 *
 * <p>Thread-safe: one reentrant lock guards all state (the seed's recursive mutex). No lock is held while waiting on
 * the device stream.
 */
public final class HeapAllocator implements AutoCloseable {
    /** The seed's default high watermark ratio. */
    public static final double DEFAULT_HIGH_WATERMARK_RATIO = 1.7;
    /** The allowed upper bound: twice the recommended max working set. */
    public static final double HIGH_WATERMARK_UPPER_BOUND = 2.0;
    /** Default low watermark on unified memory (allocations may go beyond the recommended max). */
    public static final double DEFAULT_LOW_WATERMARK_RATIO_UNIFIED = 1.4;
    /** Default low watermark on discrete memory. */
    public static final double DEFAULT_LOW_WATERMARK_RATIO_DISCRETE = 1.0;

    private static final System.Logger PROFILE_LOG = System.getLogger(SeedLogSink.LOGGER_NAME);

    private final Device device;
    private final CommandStream stream;
    private final boolean unifiedMemory;
    private final long maxBufferSize;
    private final ReentrantLock lock = new AllocatorLock();
    /** Allocated buffers (in use or cached) by device address. */
    private final AddressMap allocatedBuffers = new AddressMap();
    private final EnumMap<PoolKind, BufferPool> pools = new EnumMap<>(PoolKind.class);
    /** The same pools by {@link PoolKind#ordinal()}, for the hot path (an array load, no key check). */
    private final BufferPool[] poolByOrdinal = new BufferPool[PoolKind.values().length];
    /** Reserved bytes: all heaps, including cached buffers (m_total_allocated_memory). */
    private final Stat totalAllocatedMemory = new Stat();
    /** In-use bytes: buffers handed out, not in pools (m_current_allocated_memory). */
    private final Stat currentAllocatedMemory = new Stat();
    private final MemoryEventRouter router;
    private final AllocatorEvents events;
    private final Map<String, MemoryCallback> callbacks = new LinkedHashMap<>();
    /** Whether the seed's diagnostic lines are written (the "log" sink). */
    private final boolean logLines;
    private final AllocatorMetrics metrics;
    private final boolean jfrSink;
    /** The placement policy; {@link AllocationPolicy#FAITHFUL} is the seed's. */
    private final AllocationPolicy policy;
    /** {@code policy == SPLIT}: freed ranges go back into their heaps, requests split the heaps' free ranges. */
    private final boolean split;

    private long maxTotalAllowedSize;
    private double highWatermarkRatio;
    private double lowWatermarkRatio;
    private long lowWatermarkLimit;
    private long bufferCounter;
    private long heapCounter;
    private boolean underMemoryPressure;
    private volatile boolean closed;

    // counters behind stats(); reset with resetAccumulatedStats()
    private long heapsAllocated;
    private long heapsReleased;
    private long buffersAllocated;
    private long buffersRecycled;
    private long buffersFreed;
    private long buffersReleased;
    private long gcPasses;
    private long gcReleasedBuffers;
    private long gcReclaimedBytes;
    private long allocationRetries;
    private long outOfMemory;

    private HeapAllocator(Builder b) {
        this.device = b.device;
        this.policy = b.policy;
        this.split = b.policy == AllocationPolicy.SPLIT;
        this.stream = device.stream();
        this.unifiedMemory = device.hasUnifiedMemory();
        this.maxBufferSize = device.maxBufferLength();
        this.router = b.router != null ? b.router : new MemoryEventRouter(b.verbosity);
        if (b.router != null && b.verbositySet) {
            router.setVerbosity(b.verbosity);
        }
        this.logLines = b.sinks.contains(SinkKind.LOG);
        if (logLines) {
            router.addSink(new SeedLogSink());
        }
        this.jfrSink = b.sinks.contains(SinkKind.JFR);
        if (jfrSink) {
            router.addSink(new JfrMemoryEventSink());
            registerPoolStatisticsIfProfiling();
        }
        OpenTelemetry otel = b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.get();
        if (b.sinks.contains(SinkKind.OTEL)) {
            router.addSink(new OtelSpanSink(otel));
        }
        this.metrics = b.sinks.contains(SinkKind.OTEL) ? new AllocatorMetrics(this, otel) : null;
        this.events = new AllocatorEvents(router, this);
        for (PoolKind kind : PoolKind.values()) {
            BufferPool pool = new BufferPool(kind);
            pools.put(kind, pool);
            poolByOrdinal[kind.ordinal()] = pool;
        }
        if (isProfiling()) {
            PROFILE_LOG.log(System.Logger.Level.INFO, "Heapscope allocator on " + device.backend() + " device '"
                    + device.name() + "'" + (b.deviceSelectionReason == null ? "" : " (" + b.deviceSelectionReason + ")"));
        }
        if (logLines && router.verbosity() != DebugVerbosity.SILENT) {
            PROFILE_LOG.log(System.Logger.Level.INFO, "Initializing heap allocator on "
                    + (unifiedMemory ? "unified" : "discrete") + " device memory of size "
                    + formatSize(device.recommendedMaxWorkingSetSize()));
        }
        setHighWatermarkRatio(b.highWatermarkRatio != null ? b.highWatermarkRatio : DEFAULT_HIGH_WATERMARK_RATIO);
        double defaultLow = unifiedMemory ? DEFAULT_LOW_WATERMARK_RATIO_UNIFIED : DEFAULT_LOW_WATERMARK_RATIO_DISCRETE;
        setLowWatermarkRatio(b.lowWatermarkRatio != null ? b.lowWatermarkRatio : defaultLow);
        AllocatorRegistry.register(this);
    }

    /**
     * An allocator on {@code device} configured from system properties and the environment ({@link AllocatorConfig},
     * sinks from {@code heapscope.sinks} / {@code HEAPSCOPE_SINKS}).
     */
    public static HeapAllocator create(Device device) {
        return builder(device).config(AllocatorConfig.fromSystem()).policy(AllocationPolicy.fromSystem())
                .sinks(SinkKind.from(System.getProperties(), System.getenv())).build();
    }

    public static Builder builder(Device device) {
        return new Builder(device);
    }

    // ------------------------------------------------------------------------------------------------ public API

    /**
     * Allocates {@code size} bytes from the pool the usage and size select ({@code malloc}).
     *
     * @param usage {@link UsageFlags} bits; {@link UsageFlags#SHARED} for CPU-visible memory
     * @throws IllegalArgumentException if size is not positive or not below the device's max buffer length, or the
     *                                  usage has undefined bits
     * @throws MpsOutOfMemoryException  if the memory cannot be had
     */
    public MpsBuffer malloc(long size, int usage) {
        lock.lock();
        try {
            ensureOpen();
            return new MpsBuffer(allocBufferBlock(size, usage));
        } finally {
            lock.unlock();
        }
    }

    /** {@code malloc(size, shared ? SHARED : PRIVATE)}. */
    public MpsBuffer malloc(long size, boolean shared) {
        return malloc(size, shared ? UsageFlags.SHARED : UsageFlags.PRIVATE);
    }

    /** Allocates a buffer from the scalar pool and copies {@code value} into it ({@code allocScalarBufferWithValue}). */
    public MpsBuffer allocScalarBufferWithValue(MemorySegment value) {
        Objects.requireNonNull(value, "value");
        BufferBlock block;
        MpsBuffer handle;
        lock.lock();
        try {
            ensureOpen();
            block = allocBufferBlock(value.byteSize(), UsageFlags.SCALAR);
            if (block.cpuPtr == null) {
                block.cpuPtr = block.buffer.contents();
            }
            handle = new MpsBuffer(block);
        } finally {
            lock.unlock();
        }
        // the buffer is out of the pool, so no lock is needed
        MemorySegment.copy(value, 0, block.cpuPtr, 0, value.byteSize());
        return handle;
    }

    /**
     * Frees the allocation behind the handle ({@code free}).
     *
     * @throws IllegalStateException if this handle was already freed (double free)
     */
    public void free(MpsBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        lock.lock();
        try {
            BufferBlock block = buffer.block();
            // a live use of one of this allocator's buffers (its pool is ours; buffers in use are never released, so
            // this is the address lookup's answer without hashing on the hot path)
            BufferPool pool = block.pool();
            if (!buffer.isCurrent() || poolByOrdinal[pool.kind.ordinal()] != pool) {
                throw new IllegalStateException("double free of buffer #" + block.id + " (use " + block.useCount
                        + ", at 0x" + Long.toHexString(block.address()) + "): this handle was already freed");
            }
            freeBlock(block);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees the buffer at this device address ({@code free(void*)}), for C-style callers.
     *
     * @throws IllegalArgumentException if no buffer of this allocator is at the address
     * @throws IllegalStateException    if the buffer is not in use (double free)
     */
    public void free(long address) {
        lock.lock();
        try {
            BufferBlock block = allocatedBuffers.get(address);
            if (block == null) {
                throw new IllegalArgumentException("no buffer of this allocator at address 0x"
                        + Long.toHexString(address));
            }
            if (!block.inUse || block.freePending) {
                throw new IllegalStateException("double free of buffer #" + block.id + " at 0x"
                        + Long.toHexString(address) + ": it is not in use");
            }
            freeBlock(block);
        } finally {
            lock.unlock();
        }
    }

    private void freeBlock(BufferBlock block) {
        BufferPool pool = block.pool();
        if (pool.isScalar()) {
            // the scalar pool is synchronized manually: the buffer goes back once the stream's work is done
            block.freePending = true;
            stream.addCompletedHandler(() -> {
                lock.lock();
                try {
                    block.freePending = false;
                    if (!closed) {
                        freeBuffer(block);
                    }
                } finally {
                    lock.unlock();
                }
            });
        } else if (block.retainCount() > 1) {
            // still used by device work: park it until the device lets go, then return it to the pool
            block.freePending = true;
            pool.buffersPendingFree.add(block);
            stream.addCompletedHandler(this::freeInactiveBuffers);
        } else {
            freeBuffer(block);
        }
    }

    /** Returns buffers pending free whose device work has completed to their pools ({@code freeInactiveBuffers}). */
    public void freeInactiveBuffers() {
        lock.lock();
        try {
            for (BufferPool pool : pools.values()) {
                for (Iterator<BufferBlock> it = pool.buffersPendingFree.iterator(); it.hasNext(); ) {
                    BufferBlock b = it.next();
                    if (b.retainCount() <= 1) {
                        it.remove();
                        b.freePending = false;
                        freeBuffer(b);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Releases every cached buffer and every empty heap, after synchronizing the stream ({@code emptyCache}). */
    public void emptyCache() {
        lock.lock();
        try {
            releaseCachedBuffers();
        } finally {
            lock.unlock();
        }
    }

    /** True if the address is a buffer of this allocator from a shared pool ({@code isSharedBuffer}). */
    public boolean isSharedBuffer(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null && b.pool().isShared();
        } finally {
            lock.unlock();
        }
    }

    /** The requested (unaligned) size of the buffer at the address, or -1 if unknown ({@code getUnalignedBufferSize}). */
    public long getUnalignedBufferSize(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null ? b.requestedSize : -1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stores the shape of the base tensor of a view ({@code setBufferShape}).
     *
     * @throws IllegalArgumentException if no buffer is at the address
     */
    public void setBufferShape(long address, long[] shape) {
        Objects.requireNonNull(shape, "shape");
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            if (b == null) {
                throw new IllegalArgumentException("failed to find the buffer 0x" + Long.toHexString(address));
            }
            b.shape = shape.clone();
        } finally {
            lock.unlock();
        }
    }

    /** The shape set for the buffer, or an empty array ({@code getBufferShape}). */
    public long[] getBufferShape(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null ? b.shape.clone() : BufferBlock.NO_SHAPE.clone();
        } finally {
            lock.unlock();
        }
    }

    /** The buffer's unique id, or 0 if unknown ({@code getBufferId}). */
    public long getBufferId(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null ? b.id : 0;
        } finally {
            lock.unlock();
        }
    }

    /** CPU mapping and retain count of a shared buffer ({@code getSharedBufferPtr}). */
    public SharedBufferPointer getSharedBufferPtr(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            if (b == null || !b.pool().isShared()) {
                return SharedBufferPointer.NONE;
            }
            if (b.cpuPtr == null) {
                b.cpuPtr = b.buffer.contents();
            }
            return new SharedBufferPointer(b.cpuPtr, b.retainCount());
        } finally {
            lock.unlock();
        }
    }

    /** Records an event on the stream for each shared buffer given; true if any was recorded ({@code recordEvents}). */
    public boolean recordEvents(long... addresses) {
        boolean recorded = false;
        lock.lock();
        try {
            for (long address : addresses) {
                BufferBlock b = allocatedBuffers.get(address);
                if (b != null && b.pool().isShared()) {
                    if (b.event == null) {
                        b.event = device.newEvent();
                    }
                    b.event.record(stream);
                    recorded = true;
                }
            }
        } finally {
            lock.unlock();
        }
        return recorded;
    }

    /**
     * Waits for the events recorded on shared buffers that the device still uses; true if it actually waited and
     * the buffers were let go ({@code waitForEvents}). The lock is not held while waiting.
     */
    public boolean waitForEvents(long... addresses) {
        List<BufferBlock> blocks = new ArrayList<>();
        List<io.heapscope.device.DeviceEvent> toWait = new ArrayList<>();
        lock.lock();
        try {
            for (long address : addresses) {
                BufferBlock b = allocatedBuffers.get(address);
                if (b != null && b.pool().isShared() && b.retainCount() > 1 && b.event != null) {
                    blocks.add(b);
                    toWait.add(b.event);
                }
            }
        } finally {
            lock.unlock();
        }
        boolean waited = false;
        for (int i = 0; i < blocks.size(); i++) {
            BufferBlock b = blocks.get(i);
            // the previous wait may already have let this buffer go
            if (b.retainCount() > 1) {
                if (toWait.get(i).synchronize()) {
                    // after waiting, it's a good time to free pending inactive buffers
                    freeInactiveBuffers();
                    waited |= b.retainCount() <= 1;
                } else {
                    // one buffer wasn't recorded beforehand: stop, as the seed does
                    waited = false;
                    break;
                }
            }
        }
        return waited;
    }

    /**
     * How far (in MiB) the device's allocated size is from the low watermark limit; 0 once reached, Long.MAX_VALUE
     * when the low watermark is disabled ({@code getLowWatermarkValue}).
     */
    public long getLowWatermarkValue() {
        lock.lock();
        try {
            return lowWatermarkValue();
        } finally {
            lock.unlock();
        }
    }

    private long lowWatermarkValue() {
        if (lowWatermarkRatio == 0.0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, (lowWatermarkLimit - currentAllocatedSize()) / 1048576L);
    }

    /**
     * Sets the high watermark: a hard limit of {@code ratio × recommendedMaxWorkingSetSize} on the device's allocated
     * size; 0 disables it.
     *
     * @throws IllegalArgumentException unless {@code 0 <= ratio <= 2.0}
     */
    public void setHighWatermarkRatio(double ratio) {
        if (!(ratio >= 0.0 && ratio <= HIGH_WATERMARK_UPPER_BOUND)) {
            throw new IllegalArgumentException("invalid high watermark ratio " + ratio + " (must be within 0.0.."
                    + HIGH_WATERMARK_UPPER_BOUND + "; 0 disables the limit)");
        }
        lock.lock();
        try {
            maxTotalAllowedSize = ratio == 0.0 ? Long.MAX_VALUE : (long) (ratio * (double) maxDeviceSize());
            if (isProfiling()) {
                PROFILE_LOG.log(System.Logger.Level.INFO, "High watermark memory allocation limit: "
                        + (ratio == 0.0 ? "unlimited" : formatSize(maxTotalAllowedSize)));
            }
            highWatermarkRatio = ratio;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets the low watermark: a soft limit of {@code ratio × recommendedMaxWorkingSetSize} above which large
     * allocations garbage-collect cached buffers first; 0 disables it (and gc aging).
     *
     * @throws IllegalArgumentException unless {@code 0 <= ratio <= high watermark ratio} (2.0 if that is disabled)
     */
    public void setLowWatermarkRatio(double ratio) {
        lock.lock();
        try {
            double highLimit = highWatermarkRatio == 0.0 ? HIGH_WATERMARK_UPPER_BOUND : highWatermarkRatio;
            if (!(ratio >= 0.0 && ratio <= highLimit)) {
                throw new IllegalArgumentException("invalid low watermark ratio " + ratio + " (must be within 0.0.."
                        + highLimit + ", the high watermark ratio; 0 disables it)");
            }
            lowWatermarkLimit = ratio == 0.0 ? Long.MAX_VALUE : (long) (ratio * (double) maxDeviceSize());
            if (isProfiling()) {
                PROFILE_LOG.log(System.Logger.Level.INFO, "Low watermark memory allocation limit: "
                        + (ratio == 0.0 ? "unlimited" : formatSize(lowWatermarkLimit)));
            }
            lowWatermarkRatio = ratio;
        } finally {
            lock.unlock();
        }
    }

    public double getHighWatermarkRatio() {
        return highWatermarkRatio;
    }

    public double getLowWatermarkRatio() {
        return lowWatermarkRatio;
    }

    /** The low watermark in bytes, Long.MAX_VALUE when disabled. */
    public long getLowWatermarkLimit() {
        return lowWatermarkLimit;
    }

    /** The high watermark in bytes, Long.MAX_VALUE when disabled. */
    public long getHighWatermarkLimit() {
        return maxTotalAllowedSize;
    }

    /** Reserved bytes: all heaps, cached buffers included ({@code getTotalAllocatedMemory}). */
    public long getTotalAllocatedMemory() {
        lock.lock();
        try {
            return totalAllocatedMemory.current();
        } finally {
            lock.unlock();
        }
    }

    /** In-use bytes: buffers handed out and not freed ({@code getCurrentAllocatedMemory}). */
    public long getCurrentAllocatedMemory() {
        lock.lock();
        try {
            return currentAllocatedMemory.current();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes the device has allocated for the process, this allocator's heaps included ({@code getDriverAllocatedMemory}). */
    public long getDriverAllocatedMemory() {
        return currentAllocatedSize();
    }

    /** The device's recommended max working set ({@code getRecommendedMaxMemory}). */
    public long getRecommendedMaxMemory() {
        return maxDeviceSize();
    }

    public int getDebugVerbosity() {
        return router.verbosity();
    }

    /** Changes the verbosity flags at run time. */
    public void setDebugVerbosity(int mask) {
        router.setVerbosity(mask);
        registerPoolStatisticsIfProfiling();
    }

    /**
     * The periodic JFR pool-statistics event is registered only once PROFILING is set: registering starts JFR's
     * machinery in the JVM, which measurably slows a SILENT allocator (docs/benchmarks.md).
     */
    private void registerPoolStatisticsIfProfiling() {
        if (jfrSink && DebugVerbosity.PROFILING.isSet(router.verbosity())) {
            JfrPoolStatistics.register();
        }
    }

    /** The router every allocator event passes through; add sinks here. */
    public MemoryEventRouter events() {
        return router;
    }

    public Device device() {
        return device;
    }

    /** The placement policy this allocator was built with. */
    public AllocationPolicy policy() {
        return policy;
    }

    /** {@code format_size}. */
    public String formatSize(long size) {
        return SizeClasses.formatSize(size);
    }

    /** Registers a callback under a name (the seed's callbacks registry); replaces one of the same name. */
    public void addCallback(String name, MemoryCallback callback) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(callback, "callback");
        lock.lock();
        try {
            callbacks.put(name, callback);
        } finally {
            lock.unlock();
        }
    }

    public boolean removeCallback(String name) {
        lock.lock();
        try {
            return callbacks.remove(name) != null;
        } finally {
            lock.unlock();
        }
    }

    /** Statistics: reserved and in-use bytes as current/peak/allocated/freed, and event counters. */
    public AllocatorStatistics stats() {
        lock.lock();
        try {
            return new AllocatorStatistics(totalAllocatedMemory.snapshot(), currentAllocatedMemory.snapshot(),
                    heapsAllocated, heapsReleased, buffersAllocated, buffersRecycled, buffersFreed, buffersReleased,
                    gcPasses, gcReleasedBuffers, gcReclaimedBytes, allocationRetries, outOfMemory);
        } finally {
            lock.unlock();
        }
    }

    /** Sets every peak to its current value. */
    public void resetPeakStats() {
        lock.lock();
        try {
            totalAllocatedMemory.resetPeak();
            currentAllocatedMemory.resetPeak();
        } finally {
            lock.unlock();
        }
    }

    /** Zeroes the allocated/freed totals and the event counters. */
    public void resetAccumulatedStats() {
        lock.lock();
        try {
            totalAllocatedMemory.resetAccumulated();
            currentAllocatedMemory.resetAccumulated();
            heapsAllocated = heapsReleased = buffersAllocated = buffersRecycled = buffersFreed = buffersReleased = 0;
            gcPasses = gcReleasedBuffers = gcReclaimedBytes = allocationRetries = outOfMemory = 0;
        } finally {
            lock.unlock();
        }
    }

    /** One snapshot per pool, in {@link PoolKind} order. */
    public List<PoolSnapshot> poolSnapshots() {
        lock.lock();
        try {
            List<PoolSnapshot> out = new ArrayList<>(pools.size());
            for (BufferPool p : pools.values()) {
                out.add(new PoolSnapshot(p.kind, p.heapBytes, p.allocatedSize,
                        p.allocatedSize - p.availableSize - pendingBytes(p), p.availableSize, p.heaps.size(),
                        p.nBuffers, p.availableBuffers.size(), p.buffersPendingFree.size()));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private static long pendingBytes(BufferPool p) {
        long sum = 0;
        for (BufferBlock b : p.buffersPendingFree) {
            sum += b.size;
        }
        return sum;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Empties the cache (waiting for the device) and refuses further allocations. Buffers in use stay valid. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            releaseCachedBuffers();
            closed = true;
            if (metrics != null) {
                metrics.close();
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ the port

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("allocator is closed");
        }
    }

    private boolean isProfiling() {
        return logLines && DebugVerbosity.PROFILING.isSet(router.verbosity());
    }

    long reservedBytes() {
        return totalAllocatedMemory.current();
    }

    long inUseBytes() {
        return currentAllocatedMemory.current();
    }

    private long maxDeviceSize() {
        return device.recommendedMaxWorkingSetSize();
    }

    private long currentAllocatedSize() {
        return device.currentAllocatedSize();
    }

    private BufferPool getPool(long requestedSize, long alignedSize, int usage) {
        PoolKind kind;
        if ((usage & UsageFlags.SCALAR) != 0) {
            kind = PoolKind.SCALAR;
        } else if (requestedSize <= SizeClasses.MAX_SCALAR_ALLOC && unifiedMemory) {
            kind = PoolKind.SHARED_SMALL;
        } else if (alignedSize <= SizeClasses.MAX_SMALL_ALLOC) {
            kind = (usage & UsageFlags.SHARED) != 0 ? PoolKind.SHARED_SMALL : PoolKind.PRIVATE_SMALL;
        } else {
            kind = (usage & UsageFlags.SHARED) != 0 ? PoolKind.SHARED_LARGE : PoolKind.PRIVATE_LARGE;
        }
        return poolByOrdinal[kind.ordinal()];
    }

    private long getAllocationSize(long size, int usage) {
        SizeAndAlign sa = device.heapBufferSizeAndAlign(size, UsageFlags.resourceOptions(usage));
        return SizeClasses.alignUp(sa.size(), sa.align());
    }

    private HeapBlock getFreeHeap(AllocParams params) {
        BufferPool pool = params.pool;
        HeapBlock heap = pool.heaps.ceiling(HeapBlock.searchKey(params.size()));
        if (heap == null) {
            heap = HeapBlock.create(params, device, pool.usage, heapCounter + 1);
            if (heap != null) {
                heapCounter++;
                totalAllocatedMemory.increase(heap.total);
                pool.heapBytes += heap.total;
                heapsAllocated++;
                events.heapAllocated(heap, params.size());
            }
        } else {
            // re-inserted after the buffer is created, so the set stays ordered by the new available size
            pool.heaps.remove(heap);
        }
        return heap;
    }

    private boolean allocBuffer(AllocParams params) {
        if (maxTotalAllowedSize != Long.MAX_VALUE
                && currentAllocatedSize() + params.size() > maxTotalAllowedSize) {
            return false;
        }
        HeapBlock heap = getFreeHeap(params);
        if (heap == null) {
            return false; // makes the caller release pool buffers to free up memory
        }
        placeBuffer(params, heap);
        buffersAllocated++;
        return true;
    }

    /** Places a new buffer for the request in {@code heap} (taken out of the pool's heap set by the caller). */
    private void placeBuffer(AllocParams params, HeapBlock heap) {
        BufferPool pool = params.pool;
        Buffer buffer = heap.newBuffer(params.size(), pool.usage);
        // the heap was chosen (or made) to fit, so this cannot fail unless the device breaks its contract
        if (buffer == null) {
            pool.heaps.add(heap);
            throw new IllegalStateException("device " + device.name() + " failed to place " + params.size()
                    + " bytes in heap #" + heap.id + " reporting " + heap.available + " bytes available");
        }
        pool.heaps.add(heap);
        BufferBlock block = new BufferBlock(params.size(), params.requestedSize, buffer, heap, ++bufferCounter);
        params.bufferBlock = block;
        allocatedBuffers.put(block.address(), block);
        pool.allocatedSize += params.size();
        pool.nBuffers++;
    }

    /**
     * {@link AllocationPolicy#SPLIT}'s reuse: places the request in the cached heap whose largest free range fits it
     * most tightly (the device splits that range at the lowest offset that fits). Counted as a recycle: no new
     * device memory.
     */
    private boolean placeInCachedHeap(AllocParams params) {
        BufferPool pool = params.pool;
        HeapBlock heap = pool.heaps.ceiling(HeapBlock.searchKey(params.size()));
        if (heap == null) {
            return false;
        }
        pool.heaps.remove(heap);
        placeBuffer(params, heap);
        params.recycled = true;
        params.recycledGcAge = 0;
        buffersRecycled++;
        return true;
    }

    private boolean getFreeBuffer(AllocParams params) {
        // watches "implicit" allocations by others on the device, to prevent OOM and system failure
        if (highWatermarkRatio > 0.0 && currentAllocatedSize() + params.size() > maxTotalAllowedSize) {
            return false;
        }
        if (split) {
            return placeInCachedHeap(params);
        }
        BufferPool pool = params.pool;
        // buffer reuse intervals are tracked only on large pools when the low watermark is enabled
        if (lowWatermarkRatio > 0.0 && !pool.isSmall()) {
            pool.agingTick++; // ages every cached buffer of the pool by one, in O(1)
        }
        BufferBlock candidate = pool.availableBuffers.ceiling(params.size());
        if (candidate != null) {
            // keep reusing existing heaps' capacity as long as possible (splitting or releasing oversize buffers
            // if required), and avoid new heap allocations as much as possible
            if (candidate.size <= params.size() + SizeClasses.LARGE_HEAP) {
                params.bufferBlock = candidate; // fits, not oversize
            } else if (pool.heaps.ceiling(HeapBlock.searchKey(params.size())) != null) {
                // an existing heap has room: sub-allocate there rather than hand out the oversize buffer
                params.bufferBlock = null;
            } else if (candidate.retainCount() <= 1) {
                // releasable now: make room in its heap for the new, smaller buffer
                releaseBuffer(candidate, false);
                // skips needless garbage collection, as the released space will be reused
                params.hasMemoryPressure = false;
            } else if (params.hasMemoryPressure) {
                // busy and not reusable now: release it (and maybe its heap); the device frees the memory when its
                // work finishes
                releaseBuffer(candidate, true);
            } else {
                // without memory pressure, reuse the oversize buffer
                params.bufferBlock = candidate;
            }
        }
        if (params.bufferBlock == null) {
            return false; // the caller allocates a new buffer
        }
        BufferBlock b = params.bufferBlock;
        params.recycled = true;
        params.recycledGcAge = pool.gcCount(b);
        pool.availableBuffers.remove(b);
        b.requestedSize = params.requestedSize;
        pool.availableSize -= b.size;
        buffersRecycled++;
        return true;
    }

    private BufferBlock allocBufferBlock(long size, int usage) {
        UsageFlags.check(usage);
        if (size <= 0 || size >= maxBufferSize) {
            throw new IllegalArgumentException("Invalid buffer size: " + size + " bytes (" + formatSize(size)
                    + "); must be positive and below the device's max buffer length of " + maxBufferSize
                    + " bytes (" + formatSize(maxBufferSize) + ")");
        }
        long allocSize = getAllocationSize(size, usage);
        BufferPool pool = getPool(size, allocSize, usage);
        AllocParams params = new AllocParams(allocSize, size, pool);
        // memory pressure matters only for large buffers once the low watermark is reached
        params.hasMemoryPressure = !pool.isSmall() && lowWatermarkValue() <= 0;
        params.hasUnifiedMemory = unifiedMemory;
        params.split = split;
        if (!pool.isSmall() && params.hasMemoryPressure != underMemoryPressure) {
            underMemoryPressure = params.hasMemoryPressure;
            events.memoryPressure(pool, underMemoryPressure, lowWatermarkLimit, currentAllocatedSize());
        }

        boolean found = getFreeBuffer(params);
        if (!found) {
            // collect garbage if memory pressure is high and the pool caches enough
            if (params.hasMemoryPressure && allocSize < pool.availableSize) {
                garbageCollectCachedBuffers(params);
            } else if (split) {
                releaseEmptyHeapsOnMiss(params);
            }
            found = allocBuffer(params);
            if (!found) {
                allocationRetries++;
                found =
                        // callbacks may release memory (e.g. by forcing a GC of the host language), so retry the pool
                        (triggerMemoryCallbacks((MpsBuffer) null, CallbackEvent.ALLOCATION_FAILED) && getFreeBuffer(params))
                        // release enough cached buffers to fit the request and retry
                        || (releaseAvailableCachedBuffers(params) && allocBuffer(params))
                        // release all cached buffers and retry
                        || (releaseCachedBuffers() && allocBuffer(params));
            }
        }
        BufferBlock block = params.bufferBlock;
        // out of memory: the high watermark was reached, or the device has no (contiguous) memory for the request
        if (!found || block == null) {
            throw outOfMemory(pool, size, allocSize);
        }
        block.inUse = true;
        block.useCount++;
        currentAllocatedMemory.increase(block.size);
        if (params.recycled) {
            events.bufferRecycled(block, params.recycledGcAge);
        } else {
            events.bufferAllocated(block);
        }
        if (!callbacks.isEmpty()) {
            triggerMemoryCallbacks(block, params.recycled ? CallbackEvent.RECYCLED : CallbackEvent.ALLOCATED);
        }
        return block;
    }

    private MpsOutOfMemoryException outOfMemory(BufferPool pool, long size, long allocSize) {
        long reserved = totalAllocatedMemory.current();
        long other = currentAllocatedSize() - reserved;
        boolean highWatermark = highWatermarkRatio > 0.0;
        String message = "MPS backend out of memory (MPS allocated: " + formatSize(reserved)
                + ", other allocations: " + formatSize(other)
                + (highWatermark ? ", max allowed: " + formatSize(maxTotalAllowedSize) : "")
                + "). Tried to allocate " + formatSize(allocSize) + " on " + pool.kind.storageName() + " pool "
                + pool.kind + "."
                + (highWatermark ? " Use HEAPSCOPE_HIGH_WATERMARK_RATIO=0.0 (or PYTORCH_MPS_HIGH_WATERMARK_RATIO) to"
                + " disable upper limit for memory allocations (may cause system failure)." : "");
        outOfMemory++;
        events.allocationFailed(pool, size, allocSize, highWatermark, message);
        return new MpsOutOfMemoryException(message, reserved, other, highWatermark ? maxTotalAllowedSize : -1,
                allocSize, pool.kind);
    }

    private void freeBuffer(BufferBlock b) {
        if (!b.inUse) {
            throw new IllegalStateException("buffer #" + b.id + " freed while not in use");
        }
        BufferPool pool = b.pool();
        pool.makeAvailable(b);
        b.shape = BufferBlock.NO_SHAPE;
        currentAllocatedMemory.decrease(b.size);
        if (b.event != null) {
            b.event.close();
            b.event = null;
        }
        b.inUse = false;
        buffersFreed++;
        events.bufferFreed(b);
        if (!callbacks.isEmpty()) {
            triggerMemoryCallbacks(b, CallbackEvent.FREED);
        }
        if (split) {
            // the range goes back into its heap, coalescing with its free neighbours; the heap stays cached
            releaseBuffer(b, false);
        }
    }

    /** Returns true if the containing heap was released too. */
    private boolean releaseBuffer(BufferBlock b, boolean removeEmptyHeap) {
        HeapBlock heap = b.heap;
        BufferPool pool = heap.pool;
        int gcAge = pool.gcCount(b);
        pool.allocatedSize -= b.size;
        pool.availableSize -= b.size;
        long address = b.address();
        allocatedBuffers.remove(address);
        pool.availableBuffers.remove(b);
        pool.nBuffers--;
        // re-inserted below so the heaps stay ordered by their new available size (if the heap stays)
        pool.heaps.remove(heap);
        boolean wantsEvent = events.wantsRelease(b);
        MpsBuffer handle = callbacks.isEmpty() ? null : new MpsBuffer(b);
        int retainCount = heap.releaseBuffer(b.buffer);
        buffersReleased++;
        if (wantsEvent) {
            events.bufferReleased(b, address, retainCount, gcAge);
        }
        if (handle != null) {
            triggerMemoryCallbacks(handle, CallbackEvent.RELEASED);
        }

        if (removeEmptyHeap && heap.nBuffers == 0) {
            releaseHeap(heap);
            return true;
        }
        pool.heaps.add(heap);
        // the released buffer is still busy in device work: the heap's available size can only be refreshed once
        // that work has finished
        if (retainCount > 1) {
            pool.heapsPendingUpdate.add(heap);
            stream.addCompletedHandler(() -> {
                lock.lock();
                try {
                    // the heap may have been released meanwhile
                    if (pool.heapsPendingUpdate.remove(heap)) {
                        pool.heaps.remove(heap);
                        heap.updateAvailableSize();
                        pool.heaps.add(heap);
                    }
                } finally {
                    lock.unlock();
                }
            });
        }
        return false;
    }

    /** Releases an empty heap that is not in its pool's heap set. */
    private void releaseHeap(HeapBlock heap) {
        BufferPool pool = heap.pool;
        pool.heapsPendingUpdate.remove(heap);
        totalAllocatedMemory.decrease(heap.total);
        pool.heapBytes -= heap.total;
        int heapRetain = heap.releaseHeap();
        heapsReleased++;
        events.heapReleased(heap, heapRetain);
    }

    /** {@link AllocationPolicy#SPLIT}: releases the pool's empty heaps, oldest first; returns how many. */
    private int releaseEmptyHeaps(BufferPool pool) {
        List<HeapBlock> empty = new ArrayList<>();
        for (HeapBlock h : pool.heaps) {
            if (h.nBuffers == 0) {
                empty.add(h);
            }
        }
        empty.sort((x, y) -> Long.compare(x.id, y.id));
        for (HeapBlock h : empty) {
            pool.heaps.remove(h);
            releaseHeap(h);
        }
        return empty.size();
    }

    /**
     * {@link AllocationPolicy#SPLIT}, when no cached heap can take the request: the pool's empty heaps cannot hold it
     * either, so they are released (oldest first) before a new heap is made. Under memory pressure this is the
     * policy's garbage collection (its cache is the empty heaps) and is counted as a pass.
     */
    private void releaseEmptyHeapsOnMiss(AllocParams params) {
        BufferPool pool = params.pool;
        long before = pool.heapBytes;
        int heaps = releaseEmptyHeaps(pool);
        if (heaps == 0 || !params.hasMemoryPressure) {
            return;
        }
        long reclaimed = before - pool.heapBytes;
        long target = Math.max(0, currentAllocatedSize() + reclaimed - lowWatermarkLimit);
        gcPasses++;
        gcReclaimedBytes += reclaimed;
        events.garbageCollected(pool, heaps, reclaimed, target);
    }

    private void releaseBuffers(BufferPool pool) {
        if (split) {
            releaseEmptyHeaps(pool);
        }
        if (pool.availableBuffers.isEmpty()) {
            return;
        }
        if (logLines && DebugVerbosity.RELEASES.isSet(router.verbosity())) {
            PROFILE_LOG.log(System.Logger.Level.INFO, "Releasing " + pool.availableBuffers.size() + " buffers from "
                    + (pool.isSmall() ? "small " : "large ") + pool.kind.storageName()
                    + (pool.isScalar() ? " scalar" : "") + " pool (total size: " + formatSize(pool.allocatedSize)
                    + ", #buffers: " + pool.nBuffers + ")");
        }
        for (BufferBlock b : pool.availableBuffers.ordered()) {
            releaseBuffer(b, true);
        }
    }

    private boolean releaseAvailableCachedBuffers(AllocParams params) {
        BufferPool pool = params.pool;
        if (pool.availableBuffers.isEmpty()) {
            return false;
        }
        BufferBlock fit = pool.availableBuffers.ceiling(params.size());
        if (fit != null) {
            releaseBuffer(fit, true);
            return true;
        }
        // no single cached buffer is big enough: release from the largest down until the request's size is freed
        long totalReleased = 0;
        for (BufferBlock b : pool.availableBuffers.descending()) {
            if (totalReleased >= params.size()) {
                break;
            }
            totalReleased += b.size;
            releaseBuffer(b, true);
        }
        return totalReleased >= params.size();
    }

    private boolean releaseCachedBuffers() {
        if (logLines && router.verbosity() >= DebugVerbosity.PROFILING.bit()) {
            PROFILE_LOG.log(System.Logger.Level.INFO, "Attempting to release cached buffers (MPS allocated: "
                    + formatSize(totalAllocatedMemory.current()) + ", other allocations: "
                    + formatSize(currentAllocatedSize() - totalAllocatedMemory.current()) + ")");
        }
        // the device must finish first; wait without the lock, since completion handlers take it
        int holds = lock.getHoldCount();
        for (int i = 0; i < holds; i++) {
            lock.unlock();
        }
        try {
            stream.synchronize();
        } finally {
            for (int i = 0; i < holds; i++) {
                lock.lock();
            }
        }
        for (BufferPool pool : pools.values()) {
            releaseBuffers(pool);
        }
        return true;
    }

    private void garbageCollectCachedBuffers(AllocParams params) {
        // skip if the pressure has already been relieved
        long current = currentAllocatedSize();
        if (current < lowWatermarkLimit) {
            return;
        }
        // collect until we are below the low watermark
        long target = current - lowWatermarkLimit;
        BufferPool pool = params.pool;
        double totalAge = 0.0;
        int freeable = 0;
        int freed = 0;
        long reclaimed = 0;
        for (BufferBlock b : pool.availableBuffers) {
            if (b.retainCount() <= 1) {
                totalAge += pool.gcCount(b);
                freeable++;
            }
        }
        if (freeable == 0) {
            return;
        }
        gcPasses++;
        boolean blockFreed = true;
        while (reclaimed < target && blockFreed && freeable > 0) {
            // free buffers older than the average age first
            double ageThreshold = totalAge / freeable;
            blockFreed = false;
            // stop below the low watermark: re-allocation or fragmentation could be costly
            for (BufferBlock b : pool.availableBuffers.ordered()) {
                if (reclaimed >= target) {
                    break;
                }
                int age = pool.gcCount(b);
                if (age >= ageThreshold && b.retainCount() <= 1) {
                    blockFreed = true;
                    reclaimed += b.size;
                    totalAge -= age;
                    freeable--;
                    freed++;
                    releaseBuffer(b, !b.heap.isSplit);
                }
            }
        }
        gcReleasedBuffers += freed;
        gcReclaimedBytes += reclaimed;
        events.garbageCollected(pool, freed, reclaimed, target);
    }

    private boolean triggerMemoryCallbacks(MpsBuffer buffer, CallbackEvent event) {
        for (MemoryCallback cb : new ArrayList<>(callbacks.values())) {
            cb.onEvent(buffer, event);
        }
        return true;
    }

    private void triggerMemoryCallbacks(BufferBlock block, CallbackEvent event) {
        triggerMemoryCallbacks(new MpsBuffer(block), event);
    }

    /** Builder; unset ratios take the seed's defaults, unset verbosity is SILENT. */
    public static final class Builder {
        private final Device device;
        private int verbosity = DebugVerbosity.SILENT;
        private boolean verbositySet;
        private Double highWatermarkRatio;
        private Double lowWatermarkRatio;
        private MemoryEventRouter router;
        private Set<SinkKind> sinks = SinkKind.defaults();
        private OpenTelemetry openTelemetry;
        private String deviceSelectionReason;
        private AllocationPolicy policy = AllocationPolicy.FAITHFUL;

        private Builder(Device device) {
            this.device = Objects.requireNonNull(device, "device");
        }

        public Builder verbosity(int mask) {
            if (mask < 0 || mask > DebugVerbosity.ALL) {
                throw new IllegalArgumentException("invalid debug verbosity mask " + mask + " (must be within 0.."
                        + DebugVerbosity.ALL + ")");
            }
            this.verbosity = mask;
            this.verbositySet = true;
            return this;
        }

        public Builder highWatermarkRatio(double ratio) {
            this.highWatermarkRatio = ratio;
            return this;
        }

        public Builder lowWatermarkRatio(double ratio) {
            this.lowWatermarkRatio = ratio;
            return this;
        }

        /** Applies settings read from the environment; later builder calls override them. */
        public Builder config(AllocatorConfig config) {
            verbosity(config.verbosity());
            config.highWatermarkRatio().ifPresent(r -> highWatermarkRatio = r);
            config.lowWatermarkRatio().ifPresent(r -> lowWatermarkRatio = r);
            return this;
        }

        /** Shares an existing router (e.g. the agent's) instead of creating one. */
        public Builder router(MemoryEventRouter router) {
            this.router = Objects.requireNonNull(router, "router");
            return this;
        }

        /** Adds a sink to the router at construction. */
        public Builder sink(MemoryEventSink sink) {
            if (router == null) {
                router = new MemoryEventRouter(verbosity);
            }
            router.addSink(sink);
            return this;
        }

        /** Whether the seed's diagnostic log lines are written (the "log" sink; off by default). */
        public Builder seedLog(boolean enabled) {
            if (enabled) {
                sinks.add(SinkKind.LOG);
            } else {
                sinks.remove(SinkKind.LOG);
            }
            return this;
        }

        /** Which sinks receive events (default JFR and OTel); events flow only while verbosity flags are set. */
        public Builder sinks(Set<SinkKind> kinds) {
            this.sinks = kinds.isEmpty() ? EnumSet.noneOf(SinkKind.class) : EnumSet.copyOf(kinds);
            return this;
        }

        /** The OpenTelemetry to emit spans and metrics to; default {@link GlobalOpenTelemetry#get()}. */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
            return this;
        }

        /** Why this device was chosen; printed in the first PROFILING line. */
        public Builder deviceSelectionReason(String reason) {
            this.deviceSelectionReason = reason;
            return this;
        }

        /** The placement policy (default {@link AllocationPolicy#FAITHFUL}, the seed's). */
        public Builder policy(AllocationPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public HeapAllocator build() {
            return new HeapAllocator(this);
        }
    }
}

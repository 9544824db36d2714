package io.heapscope.allocator;

import io.heapscope.allocator.event.AllocatorEvent;
import io.heapscope.allocator.event.AllocatorId;
import io.heapscope.allocator.event.AllocatorListener;
import io.heapscope.allocator.event.TelemetryProvider;
import io.heapscope.device.Buffer;
import io.heapscope.device.CommandStream;
import io.heapscope.device.Device;
import io.heapscope.device.SizeAndAlign;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

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
 * the device stream, and none while events, memory callbacks or device releases run: they are recorded under the
 * lock and carried out after unlocking, so a callback or listener may call back into the allocator.
 *
 * <p>Ownership: {@link MpsBuffer#contents()} is valid exactly while its handle owns the buffer; after
 * {@link #free(MpsBuffer)} (or once the allocator is closed and the buffer freed) every access to it throws
 * {@link IllegalStateException} instead of touching memory that another owner may hold.
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
    /** Logger of the seed's diagnostic lines and of the allocator's own notices. */
    public static final String LOGGER_NAME = "io.heapscope.allocator";

    private static final System.Logger PROFILE_LOG = System.getLogger(LOGGER_NAME);
    private static final AtomicLong IDS = new AtomicLong();
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "heapscope-allocator-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final AllocatorId id;
    private final Device device;
    private final CommandStream stream;
    private final boolean unifiedMemory;
    private final long maxBufferSize;
    private final AllocatorLock lock = new AllocatorLock();
    /** Allocated buffers (in use or cached) by device address. */
    private final AddressMap allocatedBuffers = new AddressMap();
    /** The pools by {@link PoolKind#ordinal()} (an array load on the hot path, no key check). */
    private final BufferPool[] poolByOrdinal = new BufferPool[PoolKind.values().length];
    /** Reserved bytes: all heaps, including cached buffers (m_total_allocated_memory). */
    private final Stat totalAllocatedMemory = new Stat();
    /** In-use bytes: buffers handed out, not in pools (m_current_allocated_memory). */
    private final Stat currentAllocatedMemory = new Stat();
    /** Work decided under the lock and done after unlocking. */
    private final PendingWork pending = new PendingWork();
    private final AllocatorEvents events;
    private final Map<String, MemoryCallback> callbacks = new LinkedHashMap<>();
    /**
     * The callbacks' values, remade when one is added or removed: each callback round runs this array outside the
     * lock, so a round is not copied per operation.
     */
    private MemoryCallback[] callbackRound = new MemoryCallback[0];
    private final LongAdder callbackFailures = new LongAdder();
    /** Whether the seed's diagnostic lines are written (the "log" sink). */
    private final boolean logLines;
    /** What attached telemetry (metrics, listeners) registered; closed with the allocator or by the cleaner. */
    private final Attachments attachments = new Attachments();
    /** Names of the telemetry providers attached, so each is attached once. */
    private final Set<String> attachedTelemetry = new java.util.HashSet<>();
    private final Cleaner.Cleanable cleanable;
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
    /** True while an allocation runs: heaps it releases go back to the device at once. */
    private boolean inAllocation;
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
        this.unifiedMemory = device.hasUnifiedMemory();
        double high = b.highWatermarkRatio != null ? b.highWatermarkRatio : DEFAULT_HIGH_WATERMARK_RATIO;
        double defaultLow = unifiedMemory ? DEFAULT_LOW_WATERMARK_RATIO_UNIFIED : DEFAULT_LOW_WATERMARK_RATIO_DISCRETE;
        double low = b.lowWatermarkRatio != null ? b.lowWatermarkRatio : defaultLow;
        // validate everything before anything is created or registered: a bad setting must leave nothing behind
        checkHighWatermarkRatio(high, b.highWatermarkSource);
        checkLowWatermarkRatio(low, high, b.lowWatermarkSource);

        this.stream = device.stream();
        this.maxBufferSize = device.maxBufferLength();
        long number = IDS.incrementAndGet();
        this.id = new AllocatorId(number, b.name != null ? b.name : "heapscope-" + number);
        this.logLines = b.sinks.contains("log");
        this.events = new AllocatorEvents(id, this, pending, b.verbosity);
        for (PoolKind kind : PoolKind.values()) {
            BufferPool pool = new BufferPool(kind);
            poolByOrdinal[kind.ordinal()] = pool;
        }
        for (AllocatorListener l : b.listeners) {
            events.add(l);
        }
        if (isProfiling()) {
            PROFILE_LOG.log(System.Logger.Level.INFO, "Heapscope allocator " + id + " on " + device.backend()
                    + " device '" + device.name() + "'"
                    + (b.deviceSelectionReason == null ? "" : " (" + b.deviceSelectionReason + ")"));
        }
        if (logLines && events.verbosity() != DebugVerbosity.SILENT) {
            PROFILE_LOG.log(System.Logger.Level.INFO, "Initializing heap allocator on "
                    + (unifiedMemory ? "unified" : "discrete") + " device memory of size "
                    + formatSize(device.recommendedMaxWorkingSetSize()));
        }
        setHighWatermarkRatio(high);
        setLowWatermarkRatio(low);
        this.cleanable = CLEANER.register(this, attachments);
    }

    /** Attaches the selected telemetry providers and announces the allocator; the last step of building. */
    private HeapAllocator start(Set<String> sinks) {
        if (!sinks.isEmpty()) {
            for (TelemetryProvider p : ServiceLoader.load(TelemetryProvider.class, HeapAllocator.class.getClassLoader())) {
                if (sinks.contains(p.name())) {
                    attachTelemetry(p);
                }
            }
        }
        AllocatorRegistry.register(this);
        return this;
    }

    /**
     * Attaches a telemetry provider now (as the agent does for allocators it did not create); what it registers is
     * undone when the allocator is closed or becomes unreachable.
     */
    public void attachTelemetry(TelemetryProvider provider) {
        Objects.requireNonNull(provider, "provider");
        if (closed) {
            return;
        }
        synchronized (attachedTelemetry) {
            if (!attachedTelemetry.add(provider.name())) {
                return; // one of each: a second JFR or OTel attachment would double every event
            }
        }
        try {
            attachments.add(provider.name(), provider.attach(this));
        } catch (RuntimeException | LinkageError e) {
            // a telemetry back end that cannot start (e.g. an incompatible OpenTelemetry API) never stops allocation
            PROFILE_LOG.log(System.Logger.Level.WARNING, "heapscope: telemetry '" + provider.name()
                    + "' disabled for allocator " + id + ": " + e);
        }
    }

    /**
     * Attaches a telemetry provider in place of the one of the same name the allocator has (detached first), as the
     * agent does with its OpenTelemetry: the allocator's own {@code otel} sink reports to the global OpenTelemetry,
     * which may be no SDK at all while the agent exports through one.
     */
    public void replaceTelemetry(TelemetryProvider provider) {
        Objects.requireNonNull(provider, "provider");
        synchronized (attachedTelemetry) {
            attachments.remove(provider.name());
            attachedTelemetry.remove(provider.name());
        }
        attachTelemetry(provider);
    }

    /** Who this allocator is in events and metrics. */
    public AllocatorId id() {
        return id;
    }

    /**
     * An allocator on {@code device} configured from system properties and the environment ({@link AllocatorConfig},
     * sinks from {@code heapscope.sinks} / {@code HEAPSCOPE_SINKS}).
     */
    public static HeapAllocator create(Device device) {
        Builder b = builder(device).config(AllocatorConfig.fromSystem()).policy(AllocationPolicy.fromSystem());
        String sinks = System.getProperty("heapscope.sinks", System.getenv("HEAPSCOPE_SINKS"));
        if (sinks != null) {
            b.sinks(sinks);
        }
        return b.build();
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
     * @throws IllegalStateException    if the allocator is closed
     */
    public MpsBuffer malloc(long size, int usage) {
        lock.lock();
        try {
            ensureOpen();
            return new MpsBuffer(this, allocBufferBlock(size, usage));
        } finally {
            unlock();
        }
    }

    /** {@code malloc(size, shared ? SHARED : PRIVATE)}. */
    public MpsBuffer malloc(long size, boolean shared) {
        return malloc(size, shared ? UsageFlags.SHARED : UsageFlags.PRIVATE);
    }

    /**
     * Allocates a buffer from the scalar pool and copies {@code value} into it ({@code allocScalarBufferWithValue}).
     * If the value cannot be read (a closed scope, a segment confined to another thread) the buffer goes back to the
     * pool and the error is thrown: nothing is lost.
     */
    public MpsBuffer allocScalarBufferWithValue(MemorySegment value) {
        Objects.requireNonNull(value, "value");
        BufferBlock block;
        MpsBuffer handle;
        lock.lock();
        try {
            ensureOpen();
            block = allocBufferBlock(value.byteSize(), UsageFlags.SCALAR);
            handle = new MpsBuffer(this, block);
        } finally {
            unlock();
        }
        // the buffer is out of the pool and not yet handed out, so no lock is needed for the copy
        try {
            MemorySegment.copy(value, 0, block.buffer.contents(), 0, value.byteSize());
        } catch (RuntimeException | Error e) {
            free(handle);
            throw e;
        }
        return handle;
    }

    /**
     * Frees the allocation behind the handle ({@code free}). Its {@link MpsBuffer#contents()} view is closed first,
     * so no access through it can reach the buffer's next owner.
     *
     * @throws IllegalArgumentException if the handle belongs to another allocator
     * @throws IllegalStateException    if this handle was already freed (double free)
     */
    public void free(MpsBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer.allocator() != this) {
            throw new IllegalArgumentException("buffer #" + buffer.id() + " belongs to allocator "
                    + buffer.allocator().id() + ", not to " + id + ": free it with the allocator that made it");
        }
        BufferBlock block = buffer.block();
        Arena scope;
        lock.lock();
        try {
            // the handle is this allocator's (checked above) and its use is the buffer's current one: the address
            // lookup's answer without hashing on the hot path, as buffers in use are never released
            if (!buffer.isCurrent()) {
                throw new IllegalStateException("double free of buffer #" + block.id + " (use " + block.useCount
                        + ", at 0x" + Long.toHexString(block.address()) + "): this handle was already freed");
            }
            scope = freeOrDetachScope(block);
        } finally {
            unlock();
        }
        if (scope != null) {
            closeScope(block, scope);
        }
    }

    /**
     * Under the lock: frees a block whose contents view was never opened and returns null; otherwise detaches the
     * view's scope (the handle stops being current) and returns it, to be closed outside the lock by
     * {@link #closeScope} before the buffer can have another owner.
     */
    private Arena freeOrDetachScope(BufferBlock block) {
        Arena scope = block.scope;
        if (scope == null) {
            freeBlock(block);
            return null;
        }
        block.scope = null;
        block.view = null;
        block.closing = true;
        return scope;
    }

    /**
     * Closes an ownership scope outside the lock (a shared arena's close waits for other threads to leave it), then
     * frees the block. If the view is in use by a native call right now, the free is refused and nothing changes.
     */
    private void closeScope(BufferBlock block, Arena scope) {
        try {
            scope.close();
        } catch (IllegalStateException e) {
            lock.lock();
            try {
                block.closing = false;
                block.scope = scope;
            } finally {
                unlock();
            }
            throw new IllegalStateException("cannot free buffer #" + block.id + " while its contents are in use by"
                    + " a native call (" + e.getMessage() + ")", e);
        }
        lock.lock();
        try {
            block.closing = false;
            freeBlock(block);
        } finally {
            unlock();
        }
    }

    /**
     * Frees the buffer at this device address ({@code free(void*)}), for C-style callers.
     *
     * @throws IllegalArgumentException if no buffer of this allocator is at the address
     * @throws IllegalStateException    if the buffer is not in use (double free)
     */
    public void free(long address) {
        BufferBlock block;
        Arena scope;
        lock.lock();
        try {
            block = allocatedBuffers.get(address);
            if (block == null) {
                throw new IllegalArgumentException("no buffer of allocator " + id + " at address 0x"
                        + Long.toHexString(address));
            }
            if (!block.isOwned()) {
                throw new IllegalStateException("double free of buffer #" + block.id + " at 0x"
                        + Long.toHexString(address) + ": it is not in use");
            }
            scope = freeOrDetachScope(block);
        } finally {
            unlock();
        }
        if (scope != null) {
            closeScope(block, scope);
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
                    freeBuffer(block);
                } finally {
                    unlock();
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
            for (BufferPool pool : poolByOrdinal) {
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
            unlock();
        }
    }

    /**
     * Releases every cached buffer and every heap left without buffers, after synchronizing the stream
     * ({@code emptyCache}). Unlike the seed, heaps emptied earlier by garbage collection are released too.
     */
    public void emptyCache() {
        lock.lock();
        try {
            releaseCachedBuffers();
            releaseEmptyHeaps();
        } finally {
            unlock();
        }
    }

    /** True if the address is a buffer of this allocator from a shared pool ({@code isSharedBuffer}). */
    public boolean isSharedBuffer(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null && b.pool().isShared();
        } finally {
            unlock();
        }
    }

    /** The requested (unaligned) size of the buffer at the address, or -1 if unknown ({@code getUnalignedBufferSize}). */
    public long getUnalignedBufferSize(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null ? b.requestedSize : -1;
        } finally {
            unlock();
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
            unlock();
        }
    }

    /** The shape set for the buffer, or an empty array ({@code getBufferShape}). */
    public long[] getBufferShape(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null ? b.shape.clone() : BufferBlock.NO_SHAPE.clone();
        } finally {
            unlock();
        }
    }

    /** The buffer's unique id, or 0 if unknown ({@code getBufferId}). */
    public long getBufferId(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            return b != null ? b.id : 0;
        } finally {
            unlock();
        }
    }

    /**
     * CPU mapping and retain count of a shared buffer in use ({@code getSharedBufferPtr}); {@link SharedBufferPointer#NONE}
     * for an unknown address, a private buffer, or one not in use. The mapping is the same ownership-scoped view as
     * {@link MpsBuffer#contents()}: it is closed when the buffer is freed.
     */
    public SharedBufferPointer getSharedBufferPtr(long address) {
        lock.lock();
        try {
            BufferBlock b = allocatedBuffers.get(address);
            if (b == null || !b.pool().isShared() || !b.isOwned()) {
                return SharedBufferPointer.NONE;
            }
            return new SharedBufferPointer(ownedView(b), b.retainCount());
        } finally {
            unlock();
        }
    }

    /** The CPU view of a handle's buffer, scoped to this ownership; see {@link MpsBuffer#contents()}. */
    MemorySegment contentsOf(MpsBuffer handle) {
        lock.lock();
        try {
            BufferBlock b = handle.block();
            if (!handle.isCurrent()) {
                throw new IllegalStateException("buffer #" + b.id + " (use " + handle.use() + ") was freed: its "
                        + "contents belong to nobody or to a later owner");
            }
            if (!b.pool().isShared()) {
                throw new IllegalStateException("buffer #" + b.id + " is in private pool " + b.pool().kind
                        + " and has no CPU contents");
            }
            return ownedView(b);
        } finally {
            unlock();
        }
    }

    /**
     * Lazily opens the ownership scope: a buffer whose contents are never asked for costs nothing extra. The view is
     * the device's mapping re-bound to that scope (a restricted FFM call: binding memory to a shorter-lived scope is
     * the point here, and the buffer outlives the scope by construction).
     */
    @SuppressWarnings("restricted")
    private MemorySegment ownedView(BufferBlock b) {
        if (b.view == null) {
            MemorySegment raw = b.buffer.contents();
            b.scope = Arena.ofShared();
            b.view = raw.reinterpret(b.scope, null);
        }
        return b.view;
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
            unlock();
        }
        return recorded;
    }

    /**
     * Waits for the events recorded on shared buffers that the device still uses; true if it actually waited and
     * the buffers were let go ({@code waitForEvents}). The lock is not held while waiting.
     *
     * @throws IllegalStateException when called on the device stream's own thread (e.g. from a memory callback run
     *                               by a completion): the stream would wait for itself
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
            unlock();
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
            unlock();
        }
    }

    private long lowWatermarkValue() {
        if (lowWatermarkRatio == 0.0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, (lowWatermarkLimit - currentAllocatedSize()) / 1048576L);
    }

    private static void checkHighWatermarkRatio(double ratio, String source) {
        if (!(ratio >= 0.0 && ratio <= HIGH_WATERMARK_UPPER_BOUND)) {
            throw new IllegalArgumentException("invalid high watermark ratio " + ratio + " from " + source
                    + " (must be within 0.0.." + HIGH_WATERMARK_UPPER_BOUND + "; 0 disables the limit)");
        }
    }

    private static void checkLowWatermarkRatio(double ratio, double highRatio, String source) {
        double highLimit = highRatio == 0.0 ? HIGH_WATERMARK_UPPER_BOUND : highRatio;
        if (!(ratio >= 0.0 && ratio <= highLimit)) {
            throw new IllegalArgumentException("invalid low watermark ratio " + ratio + " from " + source
                    + " (must be within 0.0.." + highLimit + ", the high watermark ratio; 0 disables it)");
        }
    }

    /**
     * Sets the high watermark: a hard limit of {@code ratio × recommendedMaxWorkingSetSize} on the device's allocated
     * size; 0 disables it.
     *
     * @throws IllegalArgumentException unless {@code 0 <= ratio <= 2.0}
     */
    public void setHighWatermarkRatio(double ratio) {
        checkHighWatermarkRatio(ratio, "setHighWatermarkRatio");
        lock.lock();
        try {
            maxTotalAllowedSize = ratio == 0.0 ? Long.MAX_VALUE : (long) (ratio * (double) maxDeviceSize());
            if (isProfiling()) {
                PROFILE_LOG.log(System.Logger.Level.INFO, "High watermark memory allocation limit: "
                        + (ratio == 0.0 ? "unlimited" : formatSize(maxTotalAllowedSize)));
            }
            highWatermarkRatio = ratio;
        } finally {
            unlock();
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
            checkLowWatermarkRatio(ratio, highWatermarkRatio, "setLowWatermarkRatio");
            lowWatermarkLimit = ratio == 0.0 ? Long.MAX_VALUE : (long) (ratio * (double) maxDeviceSize());
            if (isProfiling()) {
                PROFILE_LOG.log(System.Logger.Level.INFO, "Low watermark memory allocation limit: "
                        + (ratio == 0.0 ? "unlimited" : formatSize(lowWatermarkLimit)));
            }
            lowWatermarkRatio = ratio;
        } finally {
            unlock();
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
            unlock();
        }
    }

    /** In-use bytes: buffers handed out and not freed ({@code getCurrentAllocatedMemory}). */
    public long getCurrentAllocatedMemory() {
        lock.lock();
        try {
            return currentAllocatedMemory.current();
        } finally {
            unlock();
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
        return events.verbosity();
    }

    /** Changes the verbosity flags at run time. */
    public void setDebugVerbosity(int mask) {
        if (mask < 0 || mask > DebugVerbosity.ALL) {
            throw new IllegalArgumentException("invalid debug verbosity mask " + mask + " (must be within 0.."
                    + DebugVerbosity.ALL + ")");
        }
        events.setVerbosity(mask);
        for (VerbosityListener l : verbosityListeners) {
            l.verbosityChanged(this, mask);
        }
    }

    /** Told when the verbosity changes (telemetry that starts machinery only under PROFILING listens). */
    @FunctionalInterface
    public interface VerbosityListener {
        void verbosityChanged(HeapAllocator allocator, int mask);
    }

    private final List<VerbosityListener> verbosityListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public void addVerbosityListener(VerbosityListener listener) {
        verbosityListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Adds a listener of this allocator's events (delivered after each operation, outside the lock). */
    public void addListener(AllocatorListener listener) {
        events.add(listener);
    }

    public boolean removeListener(AllocatorListener listener) {
        return events.remove(listener);
    }

    /** The listeners attached now. */
    public List<AllocatorListener> listeners() {
        return List.of(events.listeners());
    }

    /** Exceptions thrown by listeners so far (caught so the allocating thread never sees them). */
    public long listenerFailures() {
        return events.failures();
    }

    /** Exceptions thrown by memory callbacks after an operation (caught: the operation itself had succeeded). */
    public long callbackFailures() {
        return callbackFailures.sum();
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

    /**
     * Registers a callback under a name (the seed's callbacks registry); replaces one of the same name. Callbacks run
     * after the operation that caused them, outside the allocator lock, so they may call back into the allocator;
     * {@link CallbackEvent#ALLOCATION_FAILED} runs in the middle of the failing allocation, also without the lock,
     * before it retries.
     */
    public void addCallback(String name, MemoryCallback callback) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(callback, "callback");
        lock.lock();
        try {
            callbacks.put(name, callback);
            callbackRound = callbacks.values().toArray(new MemoryCallback[0]);
        } finally {
            unlock();
        }
    }

    public boolean removeCallback(String name) {
        lock.lock();
        try {
            boolean removed = callbacks.remove(name) != null;
            callbackRound = callbacks.values().toArray(new MemoryCallback[0]);
            return removed;
        } finally {
            unlock();
        }
    }

    /** Statistics: reserved and in-use bytes as current/peak/allocated/freed, and event counters. */
    public AllocatorStatistics stats() {
        lock.lock();
        try {
            return statsLocked();
        } finally {
            unlock();
        }
    }

    private AllocatorStatistics statsLocked() {
        return new AllocatorStatistics(totalAllocatedMemory.snapshot(), currentAllocatedMemory.snapshot(),
                heapsAllocated, heapsReleased, buffersAllocated, buffersRecycled, buffersFreed, buffersReleased,
                gcPasses, gcReleasedBuffers, gcReclaimedBytes, allocationRetries, outOfMemory);
    }

    /** Sets every peak to its current value. */
    public void resetPeakStats() {
        lock.lock();
        try {
            totalAllocatedMemory.resetPeak();
            currentAllocatedMemory.resetPeak();
        } finally {
            unlock();
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
            unlock();
        }
    }

    /** One snapshot per pool, in {@link PoolKind} order. */
    public List<PoolSnapshot> poolSnapshots() {
        lock.lock();
        try {
            return poolSnapshotsLocked();
        } finally {
            unlock();
        }
    }

    private List<PoolSnapshot> poolSnapshotsLocked() {
        List<PoolSnapshot> out = new ArrayList<>(poolByOrdinal.length);
        for (BufferPool p : poolByOrdinal) {
            long largestFree = 0;
            for (HeapBlock h : p.heaps) {
                largestFree = Math.max(largestFree, h.available);
            }
            long pendingBytes = pendingBytes(p);
            out.add(new PoolSnapshot(p.kind, p.heapBytes, p.allocatedSize,
                    p.allocatedSize - p.availableSize - pendingBytes, p.availableSize, p.heaps.size(),
                    p.nBuffers, p.availableBuffers.size(), p.buffersPendingFree.size(), pendingBytes,
                    Math.max(0, p.heapBytes - p.allocatedSize), largestFree));
        }
        return out;
    }

    /**
     * Everything a metrics exporter reads at one collection, taken under one lock acquisition (the allocator's
     * metrics view, as Netty's {@code PooledByteBufAllocator.metric()}).
     */
    public AllocatorSnapshot snapshot() {
        lock.lock();
        try {
            return new AllocatorSnapshot(id, device.backend(), events.verbosity(), statsLocked(), poolSnapshotsLocked(),
                    maxTotalAllowedSize, lowWatermarkLimit, underMemoryPressure);
        } finally {
            unlock();
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

    /**
     * Empties the cache (waiting for the device), releases every heap left without buffers and refuses further
     * allocations. Buffers in use stay valid (their views too) until they are freed; then they and their heaps are
     * released, not cached. Idempotent; also clean when the device was closed first (nothing is waited for then).
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                releaseCachedBuffers();
            } catch (IllegalStateException e) {
                // the device (and its stream) was closed first: the stream finished its work when it closed, so
                // the cache can be released without waiting
                for (BufferPool pool : poolByOrdinal) {
                    releaseBuffers(pool);
                }
            }
            releaseEmptyHeaps();
        } finally {
            unlock();
        }
        AllocatorRegistry.unregister(this);
        cleanable.clean();
    }

    /**
     * Every broken internal invariant, as one line each; empty when the state is consistent. For tests (a JUnit
     * extension checks every allocator after every behavioural test, as Caffeine validates its caches) and for
     * debugging; it takes the lock and walks every buffer, so it is not for hot paths.
     */
    List<String> invariantViolations() {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            long reserved = 0;
            long inUse = 0;
            Map<HeapBlock, Integer> buffersPerHeap = new HashMap<>();
            for (BufferBlock b : allocatedBuffers.values()) {
                buffersPerHeap.merge(b.heap, 1, Integer::sum);
                if (b.inUse) {
                    inUse += b.size;
                }
            }
            for (BufferPool p : poolByOrdinal) {
                long allocated = 0;
                int n = 0;
                for (BufferBlock b : allocatedBuffers.values()) {
                    if (b.pool() == p) {
                        allocated += b.size;
                        n++;
                    }
                }
                long available = 0;
                for (BufferBlock b : p.availableBuffers) {
                    available += b.size;
                    if (b.inUse) {
                        out.add(p.kind + ": cached buffer #" + b.id + " is marked in use");
                    }
                    BufferBlock fit = p.availableBuffers.ceiling(b.size);
                    if (fit == null || fit.size != b.size) {
                        out.add(p.kind + ": cached buffer #" + b.id + " is not found by a best-fit lookup of its size");
                    }
                    if (allocatedBuffers.get(b.address()) != b) {
                        out.add(p.kind + ": cached buffer #" + b.id + " is not an allocated buffer");
                    }
                }
                for (BufferBlock b : p.buffersPendingFree) {
                    if (!b.inUse || !b.freePending) {
                        out.add(p.kind + ": pending-free buffer #" + b.id + " is not in use and pending");
                    }
                }
                long heapBytes = 0;
                for (HeapBlock h : p.heaps) {
                    heapBytes += h.total;
                    if (!p.heaps.contains(h)) {
                        out.add(p.kind + ": heap #" + h.id + " is out of order (available changed in the set)");
                    }
                    int count = buffersPerHeap.getOrDefault(h, 0);
                    if (count != h.nBuffers) {
                        out.add(p.kind + ": heap #" + h.id + " counts " + h.nBuffers + " buffers, holds " + count);
                    }
                    if (h.heap == null) {
                        out.add(p.kind + ": heap #" + h.id + " was released but is still in its pool");
                    }
                }
                if (allocated != p.allocatedSize) {
                    out.add(p.kind + ": allocatedSize " + p.allocatedSize + " but its buffers total " + allocated);
                }
                if (n != p.nBuffers) {
                    out.add(p.kind + ": nBuffers " + p.nBuffers + " but it has " + n);
                }
                if (available != p.availableSize) {
                    out.add(p.kind + ": availableSize " + p.availableSize + " but cached buffers total " + available);
                }
                if (heapBytes != p.heapBytes) {
                    out.add(p.kind + ": heapBytes " + p.heapBytes + " but its heaps total " + heapBytes);
                }
                reserved += p.heapBytes;
            }
            if (reserved != totalAllocatedMemory.current()) {
                out.add("reserved " + totalAllocatedMemory.current() + " but the pools' heaps total " + reserved);
            }
            if (inUse != currentAllocatedMemory.current()) {
                out.add("in use " + currentAllocatedMemory.current() + " but buffers in use total " + inUse);
            }
            if (lock.getHoldCount() == 1 && !pending.isEmpty()) {
                out.add("work queued under the lock was never carried out");
            }
            return out;
        } finally {
            unlock();
        }
    }

    // ------------------------------------------------------------------------------------------------ delivery

    /**
     * Unlocks; the outermost unlock of an operation then carries out what the operation queued (events, callbacks,
     * scope closes, device releases) without the lock.
     */
    private void unlock() {
        Object work = !pending.isEmpty() && lock.getHoldCount() == 1 ? pending.drain() : null;
        lock.unlock();
        if (work != null) {
            carryOut(work);
        }
    }

    private void carryOut(Object work) {
        if (work instanceof List<?> items) {
            RuntimeException first = null;
            for (Object item : items) {
                try {
                    carryOutOne(item);
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        } else {
            carryOutOne(work);
        }
    }

    private void carryOutOne(Object item) {
        switch (item) {
            case AllocatorEvent e -> events.deliver(e);
            case CallbackCall c -> runCallbacks(c.callbacks(), c.buffer(), c.event());
            case Runnable r -> r.run();
            default -> throw new IllegalStateException("unknown pending work " + item);
        }
    }

    /** A memory callback round decided under the lock. */
    private record CallbackCall(MemoryCallback[] callbacks, MpsBuffer buffer, CallbackEvent event) {
    }

    private void runCallbacks(MemoryCallback[] cbs, MpsBuffer buffer, CallbackEvent event) {
        for (MemoryCallback cb : cbs) {
            try {
                cb.onEvent(buffer, event);
            } catch (RuntimeException | LinkageError e) {
                // the operation already happened: a failing callback must not make it look failed
                callbackFailures.increment();
                PROFILE_LOG.log(System.Logger.Level.WARNING, "memory callback failed on " + event + " of " + buffer, e);
            }
        }
    }

    /** Releases all lock holds of this thread (carrying out queued work) and returns how many to take back. */
    private int releaseAllHolds() {
        int holds = lock.getHoldCount();
        for (int i = 0; i < holds; i++) {
            unlock();
        }
        return holds;
    }

    private void reacquire(int holds) {
        for (int i = 0; i < holds; i++) {
            lock.lock();
        }
    }

    /** What telemetry attached; closed once, by {@link #close()} or by the cleaner when the allocator is dropped. */
    private static final class Attachments implements Runnable {
        private final Map<String, AutoCloseable> items = new LinkedHashMap<>();
        private boolean done;

        synchronized void add(String name, AutoCloseable c) {
            if (c == null) {
                return;
            }
            if (done) {
                closeQuietly(c);
            } else {
                AutoCloseable before = items.put(name, c);
                if (before != null) {
                    closeQuietly(before);
                }
            }
        }

        /** Detaches the telemetry of this name, if any. */
        synchronized void remove(String name) {
            AutoCloseable c = items.remove(name);
            if (c != null) {
                closeQuietly(c);
            }
        }

        @Override
        public synchronized void run() {
            done = true;
            for (AutoCloseable c : items.values()) {
                closeQuietly(c);
            }
            items.clear();
        }

        private static void closeQuietly(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                PROFILE_LOG.log(System.Logger.Level.WARNING, "closing telemetry " + c + " failed", e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ the port

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("allocator " + id + " is closed");
        }
    }

    private boolean isProfiling() {
        return logLines && DebugVerbosity.PROFILING.isSet(events.verbosity());
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
            HeapBlock.Sizing sizing = split ? SplitPolicy.sizing(params.size())
                    : HeapBlock.sizing(params.size(), params.hasMemoryPressure, unifiedMemory);
            heap = HeapBlock.create(sizing, pool, device, pool.usage, heapCounter + 1);
            if (heap == null) {
                params.refusedHeapSize = sizing.heapSize();
            } else {
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
        boolean outer = !inAllocation;
        inAllocation = true;
        try {
            return allocBufferBlockLocked(size, usage);
        } finally {
            if (outer) {
                inAllocation = false;
            }
        }
    }

    private BufferBlock allocBufferBlockLocked(long size, int usage) {
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
                        (runFailureCallbacks() && getFreeBuffer(params))
                        // release enough cached buffers to fit the request and retry
                        || (releaseAvailableCachedBuffers(params) && allocBuffer(params))
                        // release all cached buffers and retry
                        || (releaseCachedBuffers() && allocBuffer(params));
            }
        }
        BufferBlock block = params.bufferBlock;
        // out of memory: the high watermark was reached, or the device has no (contiguous) memory for the request
        if (!found || block == null) {
            throw outOfMemory(pool, size, allocSize, params.refusedHeapSize);
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
            queueCallbacks(new MpsBuffer(this, block), params.recycled ? CallbackEvent.RECYCLED : CallbackEvent.ALLOCATED);
        }
        return block;
    }

    private MpsOutOfMemoryException outOfMemory(BufferPool pool, long size, long allocSize, long refusedHeapSize) {
        long reserved = totalAllocatedMemory.current();
        long deviceAllocated = currentAllocatedSize();
        long other = deviceAllocated - reserved;
        boolean highWatermark = highWatermarkRatio > 0.0;
        boolean overHighWatermark = highWatermark && deviceAllocated + allocSize > maxTotalAllowedSize;
        String message = "MPS backend out of memory (MPS allocated: " + formatSize(reserved)
                + ", other allocations: " + formatSize(other)
                + (highWatermark ? ", max allowed: " + formatSize(maxTotalAllowedSize) : "")
                + "). Tried to allocate " + formatSize(allocSize) + " on " + pool.kind.storageName() + " pool "
                + pool.kind + ".";
        if (overHighWatermark) {
            message += " Use HEAPSCOPE_HIGH_WATERMARK_RATIO=0.0 (or PYTORCH_MPS_HIGH_WATERMARK_RATIO) to"
                    + " disable upper limit for memory allocations (may cause system failure).";
        } else if (refusedHeapSize > 0) {
            // the watermark was not the cause: say what the device refused, so the advice fits the failure
            message += " The device refused a new " + pool.kind.storageName() + " heap of "
                    + formatSize(refusedHeapSize) + " for this request (device '" + device.name() + "': "
                    + formatSize(deviceAllocated) + " allocated of " + formatSize(maxDeviceSize())
                    + " recommended). Heaps for requests of this size are " + formatSize(refusedHeapSize)
                    + " by the allocator's heap sizing; free cached memory with emptyCache() or use a device with"
                    + " more memory.";
        }
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
        int retainCount = b.retainCount();
        pool.makeAvailable(b);
        b.shape = BufferBlock.NO_SHAPE;
        currentAllocatedMemory.decrease(b.size);
        if (b.event != null) {
            b.event.close();
            b.event = null;
        }
        b.inUse = false;
        buffersFreed++;
        events.bufferFreed(b, retainCount);
        if (!callbacks.isEmpty()) {
            queueCallbacks(new MpsBuffer(this, b), CallbackEvent.FREED);
        }
        if (closed) {
            // a closed allocator caches nothing: the buffer, and its heap once empty, go back to the device
            releaseBuffer(b, true);
        } else if (split) {
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
        MpsBuffer handle = callbacks.isEmpty() ? null : new MpsBuffer(this, b);
        int retainCount = heap.releaseBuffer(b.buffer);
        buffersReleased++;
        if (wantsEvent) {
            events.bufferReleased(b, address, retainCount, gcAge);
        }
        if (handle != null) {
            queueCallbacks(handle, CallbackEvent.RELEASED);
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
                    unlock();
                }
            });
        }
        return false;
    }

    /**
     * Takes an empty heap out of its pool and the accounts now; the device release itself (a driver call that may
     * synchronize, e.g. cuMemFree) runs after unlocking.
     */
    private void releaseHeap(HeapBlock heap) {
        BufferPool pool = heap.pool;
        pool.heaps.remove(heap);
        pool.heapsPendingUpdate.remove(heap);
        totalAllocatedMemory.decrease(heap.total);
        pool.heapBytes -= heap.total;
        heapsReleased++;
        int heapRetain = heap.retainCount();
        events.heapReleased(heap, heapRetain);
        if (inAllocation) {
            // the allocation that released it needs the memory back at once (the device's accounts, the watermark
            // checks and the retry order depend on it), as in the seed
            heap.releaseHeap();
        } else {
            pending.add((Runnable) heap::releaseHeap);
        }
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

    /** Releases the heaps left without any buffer (garbage collection keeps emptied split heaps, as the seed does). */
    private void releaseEmptyHeaps() {
        for (BufferPool pool : poolByOrdinal) {
            releaseEmptyHeaps(pool);
        }
    }

    private void releaseBuffers(BufferPool pool) {
        if (split) {
            releaseEmptyHeaps(pool);
        }
        if (pool.availableBuffers.isEmpty()) {
            return;
        }
        if (logLines && DebugVerbosity.RELEASES.isSet(events.verbosity())) {
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
        if (logLines && events.verbosity() >= DebugVerbosity.PROFILING.bit()) {
            PROFILE_LOG.log(System.Logger.Level.INFO, "Attempting to release cached buffers (MPS allocated: "
                    + formatSize(totalAllocatedMemory.current()) + ", other allocations: "
                    + formatSize(currentAllocatedSize() - totalAllocatedMemory.current()) + ")");
        }
        // the device must finish first; wait without the lock, since completion handlers take it
        int holds = releaseAllHolds();
        try {
            stream.synchronize();
        } finally {
            reacquire(holds);
        }
        for (BufferPool pool : poolByOrdinal) {
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

    /** Queues a callback round, run after the operation without the lock. */
    private void queueCallbacks(MpsBuffer buffer, CallbackEvent event) {
        pending.add(new CallbackCall(callbackRound, buffer, event));
    }

    /**
     * The seed's {@code trigger_memory_callbacks(nullptr, ALLOCATION_FAILED)}: callbacks may free memory (e.g. run a
     * GC of the host language so finalizers free buffers) before the allocation retries, so they run now, in the
     * middle of the allocation, but without the lock. Always true, as in the seed.
     */
    private boolean runFailureCallbacks() {
        if (callbacks.isEmpty()) {
            return true;
        }
        MemoryCallback[] cbs = callbackRound;
        int holds = releaseAllHolds();
        try {
            runCallbacks(cbs, null, CallbackEvent.ALLOCATION_FAILED);
        } finally {
            reacquire(holds);
        }
        return true;
    }

    /** Builder; unset ratios take the seed's defaults, unset verbosity is SILENT, unset sinks are jfr and otel. */
    public static final class Builder {
        /** Telemetry attached when no sinks are chosen: JFR events and OpenTelemetry spans and metrics. */
        public static final Set<String> DEFAULT_SINKS = Set.of("jfr", "otel");

        private final Device device;
        private int verbosity = DebugVerbosity.SILENT;
        private Double highWatermarkRatio;
        private String highWatermarkSource = "the builder";
        private Double lowWatermarkRatio;
        private String lowWatermarkSource = "the builder";
        private Set<String> sinks = new LinkedHashSet<>(DEFAULT_SINKS);
        private final List<AllocatorListener> listeners = new ArrayList<>();
        private final List<TelemetryProvider> providers = new ArrayList<>();
        private String name;
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
            return this;
        }

        public Builder highWatermarkRatio(double ratio) {
            this.highWatermarkRatio = ratio;
            this.highWatermarkSource = "the builder";
            return this;
        }

        public Builder lowWatermarkRatio(double ratio) {
            this.lowWatermarkRatio = ratio;
            this.lowWatermarkSource = "the builder";
            return this;
        }

        /** The allocator's name in events and metrics (default {@code heapscope-<id>}). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("allocator name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Applies settings read from the environment; later builder calls override them. */
        public Builder config(AllocatorConfig config) {
            verbosity(config.verbosity());
            config.highWatermarkRatio().ifPresent(r -> {
                highWatermarkRatio = r;
                highWatermarkSource = "the environment";
            });
            config.lowWatermarkRatio().ifPresent(r -> {
                lowWatermarkRatio = r;
                lowWatermarkSource = "the environment";
            });
            return this;
        }

        /** Adds a listener of the allocator's events from its first operation on. */
        public Builder listener(AllocatorListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Attaches this telemetry at build, in addition to the sinks chosen by name. */
        public Builder telemetry(TelemetryProvider provider) {
            providers.add(Objects.requireNonNull(provider, "provider"));
            return this;
        }

        /** Whether the seed's diagnostic log lines are written (the "log" sink; off by default). */
        public Builder seedLog(boolean enabled) {
            if (enabled) {
                sinks.add("log");
            } else {
                sinks.remove("log");
            }
            return this;
        }

        /**
         * Which telemetry providers ({@link TelemetryProvider#name()}: jfr, otel, log) attach at build; events flow
         * only while verbosity flags are set. Default jfr and otel.
         */
        public Builder sinks(Set<String> names) {
            Set<String> next = new LinkedHashSet<>();
            for (String n : names) {
                next.add(n.strip().toLowerCase(Locale.ROOT));
            }
            next.remove("none");
            this.sinks = next;
            return this;
        }

        /**
         * Sinks as users write them: {@code jfr,otel,log} or {@code none}, separated by ',', '|' or '+'.
         *
         * @throws IllegalArgumentException naming the unknown entry
         */
        public Builder sinks(String list) {
            this.sinks = parseSinks(list);
            return this;
        }

        /**
         * The sink names in a list as users write it ({@code jfr,otel,log} or {@code none}; ',', '|' or '+'
         * between them), lower case, in order.
         *
         * @throws IllegalArgumentException naming the unknown entry
         */
        public static Set<String> parseSinks(String list) {
            Set<String> out = new LinkedHashSet<>();
            for (String part : list.split("[,|+]")) {
                String p = part.strip().toLowerCase(Locale.ROOT);
                if (p.isEmpty() || p.equals("none")) {
                    continue;
                }
                if (!p.equals("jfr") && !p.equals("otel") && !p.equals("log")) {
                    throw new IllegalArgumentException("unknown sink '" + part.strip() + "' in '" + list
                            + "' (known: jfr, otel, log, none)");
                }
                out.add(p);
            }
            return out;
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

        /**
         * @throws IllegalArgumentException for invalid ratios, before anything is created or registered
         */
        public HeapAllocator build() {
            HeapAllocator a = new HeapAllocator(this);
            for (TelemetryProvider p : providers) {
                a.attachTelemetry(p);
            }
            return a.start(sinks);
        }
    }
}

package io.heapscope.agent.events;

import jdk.jfr.AnnotationElement;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventFactory;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.MemoryAddress;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.ValueDescriptor;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's JFR events, category "Heapscope":
 * <table>
 * <tr><th>event</th><th>fields</th></tr>
 * <tr><td>{@value #ALLOCATION}</td><td>framework, mechanism, size, address (stack trace)</td></tr>
 * <tr><td>{@value #FREE}</td><td>framework, mechanism, size, address</td></tr>
 * <tr><td>{@value #MAPPING}</td><td>file, size, address (stack trace)</td></tr>
 * <tr><td>{@value #UNMAPPING}</td><td>file, size, address</td></tr>
 * <tr><td>{@value #POOLED_ALLOCATION}</td><td>framework, size, newChunk</td></tr>
 * <tr><td>{@value #POOLED_FREE}</td><td>framework, size</td></tr>
 * <tr><td>{@value #CHUNK_REUSE}</td><td>framework, size</td></tr>
 * </table>
 * Built with {@link EventFactory} so that each type carries the JDK's {@code jdk.jfr.events.StackFilter} (the
 * annotation the JDK's own I/O events use): the agent's frames are cut from the top of the recorded stack, whose
 * first frame is then the hooked framework method. On a JDK without that annotation the stack starts in the agent.
 * Every emit checks {@link EventType#isEnabled()} before touching a field. The types are made when JFR initializes
 * (see {@link #types}), not when the sink is built.
 */
public final class JfrAgentSink implements AgentSink {
    public static final String ALLOCATION = "heapscope.OffHeapAllocation";
    public static final String FREE = "heapscope.OffHeapFree";
    public static final String MAPPING = "heapscope.FileMapping";
    public static final String UNMAPPING = "heapscope.FileUnmapping";
    public static final String POOLED_ALLOCATION = "heapscope.PooledBufferAllocation";
    public static final String POOLED_FREE = "heapscope.PooledBufferFree";
    public static final String CHUNK_REUSE = "heapscope.PoolChunkReuse";
    public static final List<String> NAMES = List.of(ALLOCATION, FREE, MAPPING, UNMAPPING, POOLED_ALLOCATION,
            POOLED_FREE, CHUNK_REUSE);
    /**
     * Events whose stack trace is recorded by default: memory obtained from the system. The others record none (frees;
     * pooled buffers, whose recycling is a hot path of its own: a stack trace costs microseconds, enable it with
     * {@code heapscope.PooledBufferAllocation#stackTrace=true} to find where pooled buffers are taken).
     */
    public static final List<String> WITH_STACKS = List.of(ALLOCATION, MAPPING);

    /** The agent classes on the path from a hook to {@code commit()}: cut from the top of every stack. */
    private static final String[] AGENT_FRAMES = {
            "io.heapscope.agent.bootstrap.HeapscopeDispatch",
            "io.heapscope.agent.FrameworkEvents",
            "io.heapscope.agent.FrameworkEvents$SessionRelease",
            JfrAgentSink.class.getName()};

    /**
     * The event types, made when JFR initializes: at once when it already is (a recording is running, or was), else
     * when something first asks for it, which every recording does before it starts (the listener below). Until then
     * no recording exists that could keep an event, so none is lost; the agent's start does not pay for JFR (about
     * 150 ms of a host's startup, most of it JFR's own initialization).
     */
    private volatile Types types;

    public JfrAgentSink() {
        FlightRecorder.addListener(new FlightRecorderListener() {
            @Override
            public void recorderInitialized(FlightRecorder recorder) {
                types();
            }
        });
    }

    private Types types() {
        Types t = types;
        if (t == null) {
            synchronized (this) {
                t = types;
                if (t == null) {
                    t = new Types();
                    types = t;
                }
            }
        }
        return t;
    }

    /** The seven event types ({@link EventFactory}: each class is generated and registered with JFR). */
    private static final class Types {
        private final EventFactory allocation = factory(ALLOCATION, "Off-heap Allocation",
                "Off-heap memory a framework obtained (a buffer, a pool chunk)", true,
                text("framework", "Framework", "The outermost framework that allocated"),
                text("mechanism", "Mechanism", "The hooked lower layer it allocated through (ffm, unsafe, jdk.direct, malloc), or empty"),
                bytes("size"), address());
        private final EventFactory free = factory(FREE, "Off-heap Free", "Off-heap memory a framework gave back", false,
                text("framework", "Framework", "The outermost framework that freed"),
                text("mechanism", "Mechanism", "The hooked lower layer it freed through, or empty"),
                bytes("size"), address());
        private final EventFactory mapping = factory(MAPPING, "File Mapping", "A file region mapped into memory", true,
                text("file", "File", "The mapped file"), bytes("size"), address());
        private final EventFactory unmapping = factory(UNMAPPING, "File Unmapping", "A file region unmapped", false,
                text("file", "File", "The mapped file (empty if the mapping was made before the agent looked)"),
                bytes("size"), address());
        private final EventFactory pooledAllocation = factory(POOLED_ALLOCATION, "Pooled Buffer Allocation",
                "A buffer carved out of a pool's memory", false,
                text("framework", "Framework", "The pooling framework"), bytes("size"),
                new ValueDescriptor(boolean.class, "newChunk", List.of(new AnnotationElement(Label.class, "New Chunk"),
                        new AnnotationElement(Description.class, "The pool allocated a chunk for this buffer"))));
        private final EventFactory pooledFree = factory(POOLED_FREE, "Pooled Buffer Free", "A pooled buffer went back to its pool",
                false, text("framework", "Framework", "The pooling framework"), bytes("size"));
        private final EventFactory chunkReuse = factory(CHUNK_REUSE, "Pool Chunk Reuse",
                "A pool took a cached chunk back into use instead of allocating one", false,
                text("framework", "Framework", "The pooling framework"), bytes("size"));
        private final EventType allocationType = allocation.getEventType();
        private final EventType freeType = free.getEventType();
        private final EventType mappingType = mapping.getEventType();
        private final EventType unmappingType = unmapping.getEventType();
        private final EventType pooledAllocationType = pooledAllocation.getEventType();
        private final EventType pooledFreeType = pooledFree.getEventType();
        private final EventType chunkReuseType = chunkReuse.getEventType();
    }

    @Override
    public void allocation(String framework, String mechanism, long size, long address) {
        Types t = types;
        if (t != null && t.allocationType.isEnabled()) {
            commit4(t.allocation.newEvent(), framework, mechanism == null ? "" : mechanism, size, address);
        }
    }

    @Override
    public void free(String framework, String mechanism, long size, long address) {
        Types t = types;
        if (t != null && t.freeType.isEnabled()) {
            commit4(t.free.newEvent(), framework, mechanism == null ? "" : mechanism, size, address);
        }
    }

    @Override
    public void mapping(String framework, String file, long size, long address) {
        Types t = types;
        if (t != null && t.mappingType.isEnabled()) {
            commit3(t.mapping.newEvent(), file == null ? "" : file, size, address);
        }
    }

    @Override
    public void unmapping(String framework, String file, long size, long address) {
        Types t = types;
        if (t != null && t.unmappingType.isEnabled()) {
            commit3(t.unmapping.newEvent(), file == null ? "" : file, size, address);
        }
    }

    @Override
    public void pooledAllocation(String framework, long size, boolean newChunk) {
        Types t = types;
        if (t != null && t.pooledAllocationType.isEnabled()) {
            Event e = t.pooledAllocation.newEvent();
            if (e.shouldCommit()) {
                e.set(0, framework);
                e.set(1, size);
                e.set(2, newChunk);
                e.commit();
            }
        }
    }

    @Override
    public void pooledFree(String framework, long size) {
        Types t = types;
        if (t != null && t.pooledFreeType.isEnabled()) {
            commit2(t.pooledFree.newEvent(), framework, size);
        }
    }

    @Override
    public void chunkReuse(String framework, long size) {
        Types t = types;
        if (t != null && t.chunkReuseType.isEnabled()) {
            commit2(t.chunkReuse.newEvent(), framework, size);
        }
    }

    private static void commit4(Event e, String a, String b, long size, long address) {
        if (e.shouldCommit()) {
            e.set(0, a);
            e.set(1, b);
            e.set(2, size);
            e.set(3, address);
            e.commit();
        }
    }

    private static void commit3(Event e, String a, long size, long address) {
        if (e.shouldCommit()) {
            e.set(0, a);
            e.set(1, size);
            e.set(2, address);
            e.commit();
        }
    }

    private static void commit2(Event e, String a, long size) {
        if (e.shouldCommit()) {
            e.set(0, a);
            e.set(1, size);
            e.commit();
        }
    }

    private static ValueDescriptor text(String name, String label, String description) {
        return new ValueDescriptor(String.class, name, List.of(new AnnotationElement(Label.class, label),
                new AnnotationElement(Description.class, description)));
    }

    private static ValueDescriptor bytes(String name) {
        return new ValueDescriptor(long.class, name, List.of(new AnnotationElement(Label.class, "Size"),
                new AnnotationElement(DataAmount.class, DataAmount.BYTES)));
    }

    private static ValueDescriptor address() {
        return new ValueDescriptor(long.class, "address", List.of(new AnnotationElement(Label.class, "Address"),
                new AnnotationElement(MemoryAddress.class)));
    }

    private static EventFactory factory(String name, String label, String description, boolean stackTrace,
                                        ValueDescriptor... fields) {
        List<AnnotationElement> annotations = new ArrayList<>(List.of(
                new AnnotationElement(Name.class, name),
                new AnnotationElement(Label.class, label),
                new AnnotationElement(Description.class, description),
                new AnnotationElement(Category.class, new String[]{"Heapscope"}),
                new AnnotationElement(StackTrace.class, stackTrace)));
        AnnotationElement filter = stackFilter();
        if (filter != null) {
            annotations.add(filter);
        }
        return EventFactory.create(annotations, List.of(fields));
    }

    /** {@code @jdk.jfr.events.StackFilter(AGENT_FRAMES)}, or null on a JDK that lacks it (before 23). */
    private static AnnotationElement stackFilter() {
        try {
            Class<? extends Annotation> type = Class.forName("jdk.jfr.events.StackFilter").asSubclass(Annotation.class);
            return new AnnotationElement(type, AGENT_FRAMES.clone());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}

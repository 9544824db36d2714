package io.heapscope.jmc.rules;

/**
 * How the framework-growth rule recognises the agent's framework events: the one place that knows their type names.
 * <ul>
 * <li>a framework event type's name starts with {@code heapscope.} and the event has a non-empty {@code framework}
 * field other than {@code heapscope} (the allocator, which the other rules cover);</li>
 * <li>its type name containing {@code Alloc} makes it an allocation, {@code Free} or {@code Release} a free (names
 * containing {@code Fail} are neither);</li>
 * <li>types whose name contains {@code Heap} are the framework's reservations (e.g. Netty's chunks): when a framework
 * has any, only those count, as its buffers are carved from them;</li>
 * <li>the size is the first present of {@link #HEAP_SIZE_FIELDS} or {@link #BUFFER_SIZE_FIELDS}.</li>
 * </ul>
 */
final class FrameworkEvents {
    enum Kind {
        ALLOCATION, FREE, NONE
    }

    static final String[] HEAP_SIZE_FIELDS = {"heapSize", "size", "alignedSize", "requestedSize"};
    static final String[] BUFFER_SIZE_FIELDS = {"size", "alignedSize", "requestedSize"};

    private FrameworkEvents() {
    }

    /** The agent's event types (see docs/agent.md): memory a framework obtained or gave back, and file mappings. */
    static final String ALLOCATION = "heapscope.OffHeapAllocation";
    static final String FREE = "heapscope.OffHeapFree";
    static final String MAPPING = "heapscope.FileMapping";
    static final String UNMAPPING = "heapscope.FileUnmapping";

    static Kind kind(String typeId) {
        if (typeId == null) {
            return Kind.NONE;
        }
        // pooled-buffer events are carved from memory these already count: counting them too would double it
        return switch (typeId) {
            case ALLOCATION, MAPPING -> Kind.ALLOCATION;
            case FREE, UNMAPPING -> Kind.FREE;
            default -> Kind.NONE;
        };
    }

    static boolean isReservation(String typeId) {
        return false; // the agent reports memory as it comes and goes; pool-internal buffers are separate types
    }

    /** The framework that owns the event's memory, or null when it is not a framework event. */
    static String framework(HsEvent e) {
        if (MAPPING.equals(e.type()) || UNMAPPING.equals(e.type())) {
            return "mapped";
        }
        String f = e.getString("framework");
        return f == null || f.isEmpty() || f.equals("heapscope") ? null : f;
    }

    static long size(HsEvent e) {
        return e.firstLong(0, isReservation(e.type()) ? HEAP_SIZE_FIELDS : BUFFER_SIZE_FIELDS);
    }

    /** Identity of a block within its framework (to match a free to its allocation), or null when unknown. */
    static String identity(HsEvent e) {
        boolean reservation = isReservation(e.type());
        long id = e.getLong(reservation ? "heapId" : "bufferId", 0);
        if (id != 0) {
            return (reservation ? "h" : "b") + id;
        }
        long address = e.getLong("address", 0);
        return address != 0 ? "@" + address : null;
    }
}

package io.heapscope.jmc.rules;

/**
 * How the framework-growth rule recognises the agent's framework events. Kept apart and small on purpose: the agent's
 * events are being redesigned, and this is the one place to adjust.
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

    static Kind kind(String typeId) {
        if (typeId == null || !typeId.startsWith(HeapscopeEventTypes.PREFIX)) {
            return Kind.NONE;
        }
        String name = typeId.substring(HeapscopeEventTypes.PREFIX.length());
        if (name.contains("Fail")) {
            return Kind.NONE;
        }
        if (name.contains("Alloc")) {
            return Kind.ALLOCATION;
        }
        if (name.contains("Free") || name.contains("Release")) {
            return Kind.FREE;
        }
        return Kind.NONE;
    }

    static boolean isReservation(String typeId) {
        return typeId.contains("Heap");
    }

    /** The framework that owns the event's memory, or null when it is not a framework event. */
    static String framework(HsEvent e) {
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

package io.heapscope.jmc.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.openjdk.jmc.common.IMCStackTrace;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.ItemFilters;

/** One event with its type's field readers (see {@link EventFields}). */
final class HsEvent {
    private final EventFields fields;
    private final IItem item;
    private final long time;

    private HsEvent(EventFields fields, IItem item) {
        this.fields = fields;
        this.item = item;
        this.time = fields.timeNanos(item);
    }

    /** The events of the given types, in time order. */
    static List<HsEvent> of(IItemCollection items, String... typeIds) {
        List<HsEvent> list = new ArrayList<>();
        for (IItemIterable iterable : items.apply(ItemFilters.type(typeIds))) {
            EventFields fields = new EventFields(iterable);
            for (IItem item : iterable) {
                list.add(new HsEvent(fields, item));
            }
        }
        list.sort(Comparator.comparingLong(HsEvent::time));
        return list;
    }

    String type() {
        return fields.typeId();
    }

    boolean is(String typeId) {
        return fields.typeId().equals(typeId);
    }

    long time() {
        return time;
    }

    boolean has(String field) {
        return fields.has(field);
    }

    long getLong(String field, long dflt) {
        return fields.longValue(item, field, dflt);
    }

    long firstLong(long dflt, String... fieldNames) {
        return fields.firstLong(item, dflt, fieldNames);
    }

    double getDouble(String field, double dflt) {
        return fields.doubleValue(item, field, dflt);
    }

    String getString(String field) {
        return fields.string(item, field);
    }

    boolean getFlag(String field, boolean dflt) {
        return fields.flag(item, field, dflt);
    }

    IMCStackTrace stackTrace() {
        return fields.stackTrace(item);
    }

    /** True for memory of a hooked framework (agent events), false for the Heapscope allocator's own events. */
    boolean fromFramework() {
        String framework = getString("framework");
        return framework != null && !framework.isEmpty() && !framework.equals("heapscope");
    }

    PoolKey pool() {
        return fields.pool(item);
    }
}

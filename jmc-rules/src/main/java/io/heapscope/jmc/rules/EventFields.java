package io.heapscope.jmc.rules;

import java.util.HashMap;
import java.util.Map;

import org.openjdk.jmc.common.IMCStackTrace;
import org.openjdk.jmc.common.item.IAccessorKey;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.common.item.IItemIterable;
import org.openjdk.jmc.common.item.IMemberAccessor;
import org.openjdk.jmc.common.item.IType;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.KindOfQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.flightrecorder.JfrAttributes;

/**
 * Reads the fields of one event type by identifier, whatever content type the JMC parser gave them (a size may be a
 * memory quantity or a plain number, a count an int or a long), and tolerates absent fields: the event schema is
 * still moving, so a rule asks for {@code "alignedSize"} and gets a default when a recording lacks it.
 */
final class EventFields {
    private final IType<IItem> type;
    private final Map<String, IMemberAccessor<?, IItem>> accessors = new HashMap<>();
    private final IMemberAccessor<IQuantity, IItem> startTime;
    private final IMemberAccessor<IMCStackTrace, IItem> stackTrace;

    EventFields(IItemIterable iterable) {
        this.type = iterable.getType();
        this.startTime = JfrAttributes.START_TIME.getAccessor(type);
        this.stackTrace = JfrAttributes.EVENT_STACKTRACE.getAccessor(type);
        for (IAccessorKey<?> key : type.getAccessorKeys().keySet()) {
            accessors.put(key.getIdentifier(), accessor(type, key));
        }
    }

    private static <M> IMemberAccessor<M, IItem> accessor(IType<IItem> type, IAccessorKey<M> key) {
        return type.getAccessor(key);
    }

    String typeId() {
        return type.getIdentifier();
    }

    boolean has(String field) {
        return accessors.get(field) != null;
    }

    Object value(IItem item, String field) {
        IMemberAccessor<?, IItem> a = accessors.get(field);
        return a == null ? null : a.getMember(item);
    }

    /** A whole number: bytes for data amounts, the plain value otherwise; {@code dflt} when absent. */
    long longValue(IItem item, String field, long dflt) {
        Object v = value(item, field);
        if (v instanceof IQuantity) {
            IQuantity q = (IQuantity) v;
            KindOfQuantity<?> kind = q.getUnit().getContentType();
            if (kind == UnitLookup.MEMORY) {
                return q.clampedLongValueIn(UnitLookup.BYTE);
            }
            if (kind == UnitLookup.PERCENTAGE) {
                return Math.round(q.doubleValueIn(UnitLookup.PERCENT_UNITY));
            }
            return q.longValue();
        }
        if (v instanceof Number) {
            return ((Number) v).longValue();
        }
        return dflt;
    }

    /** The first of the fields that the type has, as {@link #longValue}. */
    long firstLong(IItem item, long dflt, String... fields) {
        for (String f : fields) {
            if (has(f)) {
                return longValue(item, f, dflt);
            }
        }
        return dflt;
    }

    /** A fraction for percentages, the plain value otherwise; {@code dflt} when absent. */
    double doubleValue(IItem item, String field, double dflt) {
        Object v = value(item, field);
        if (v instanceof IQuantity) {
            IQuantity q = (IQuantity) v;
            KindOfQuantity<?> kind = q.getUnit().getContentType();
            if (kind == UnitLookup.MEMORY) {
                return q.doubleValueIn(UnitLookup.BYTE);
            }
            if (kind == UnitLookup.PERCENTAGE) {
                return q.doubleValueIn(UnitLookup.PERCENT_UNITY);
            }
            return q.doubleValue();
        }
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        return dflt;
    }

    String string(IItem item, String field) {
        Object v = value(item, field);
        return v == null ? null : v.toString();
    }

    boolean flag(IItem item, String field, boolean dflt) {
        Object v = value(item, field);
        return v instanceof Boolean ? (Boolean) v : dflt;
    }

    /** Start time in epoch nanoseconds. */
    long timeNanos(IItem item) {
        IQuantity t = startTime == null ? null : startTime.getMember(item);
        return t == null ? 0 : t.clampedLongValueIn(UnitLookup.EPOCH_NS);
    }

    IMCStackTrace stackTrace(IItem item) {
        return stackTrace == null ? null : stackTrace.getMember(item);
    }

    /** Allocator and pool of an allocator event (or of a pool statistics event). */
    PoolKey pool(IItem item) {
        return new PoolKey(longValue(item, "allocatorId", longValue(item, "allocator", 0)),
                string(item, "allocatorName"), string(item, "pool"));
    }
}

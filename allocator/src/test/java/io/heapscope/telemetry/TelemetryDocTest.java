package io.heapscope.telemetry;

import io.heapscope.telemetry.jfr.AllocationFailedEvent;
import io.heapscope.telemetry.jfr.BufferAllocatedEvent;
import io.heapscope.telemetry.jfr.BufferFreedEvent;
import io.heapscope.telemetry.jfr.BufferRecycledEvent;
import io.heapscope.telemetry.jfr.BufferReleasedEvent;
import io.heapscope.telemetry.jfr.GarbageCollectionEvent;
import io.heapscope.telemetry.jfr.HeapAllocatedEvent;
import io.heapscope.telemetry.jfr.HeapReleasedEvent;
import io.heapscope.telemetry.jfr.MemoryPressureEvent;
import io.heapscope.telemetry.jfr.PoolStatisticsEvent;
import io.heapscope.telemetry.otel.AllocatorMetrics;
import io.heapscope.telemetry.otel.HeapscopeAttributes;
import io.heapscope.telemetry.otel.OtelSpanListener;
import io.opentelemetry.api.common.AttributeKey;
import jdk.jfr.EventType;
import jdk.jfr.ValueDescriptor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/telemetry.md's reference tables must say what the code does. */
class TelemetryDocTest {
    private static final Path DOC = Path.of("..", "docs", "telemetry.md");
    private static final Set<String> IMPLICIT = Set.of("startTime", "duration", "eventThread", "stackTrace");

    /** Rows of the table whose header row starts with {@code | firstHeader |}. */
    private static List<List<String>> table(String firstHeader) throws Exception {
        List<String> lines = Files.readAllLines(DOC);
        List<List<String>> rows = new ArrayList<>();
        boolean in = false;
        for (String line : lines) {
            if (line.startsWith("| " + firstHeader + " |")) {
                in = true;
                continue;
            }
            if (in) {
                if (!line.startsWith("|")) {
                    break;
                }
                if (line.startsWith("|---")) {
                    continue;
                }
                List<String> cells = new ArrayList<>();
                for (String c : line.substring(1, line.length() - 1).split("\\|", -1)) {
                    cells.add(c.strip());
                }
                rows.add(cells);
            }
        }
        assertTrue(!rows.isEmpty(), "no table headed '" + firstHeader + "' in " + DOC.toAbsolutePath());
        return rows;
    }

    @Test
    void jfrEventTableMatchesTheEventClasses() throws Exception {
        Map<String, String> documented = new TreeMap<>();
        for (List<String> row : table("event")) {
            TreeSet<String> fields = new TreeSet<>(List.of(row.get(3).split(",\\s*")));
            documented.put(row.get(0), row.get(1) + " " + row.get(2) + " " + fields);
        }
        Map<String, String> actual = new TreeMap<>();
        for (Class<? extends jdk.jfr.Event> c : List.of(BufferAllocatedEvent.class, BufferRecycledEvent.class,
                BufferFreedEvent.class, BufferReleasedEvent.class, HeapAllocatedEvent.class, HeapReleasedEvent.class,
                GarbageCollectionEvent.class, AllocationFailedEvent.class, MemoryPressureEvent.class,
                PoolStatisticsEvent.class)) {
            EventType t = EventType.getEventType(c);
            TreeSet<String> fields = new TreeSet<>();
            for (ValueDescriptor v : t.getFields()) {
                if (!IMPLICIT.contains(v.getName())) {
                    fields.add(v.getName());
                }
            }
            jdk.jfr.StackTrace st = c.getAnnotation(jdk.jfr.StackTrace.class);
            jdk.jfr.Enabled en = c.getAnnotation(jdk.jfr.Enabled.class); // JFR's default when absent: enabled
            actual.put(t.getName(), (en == null || en.value()) + " " + (st != null && st.value()) + " " + fields);
        }
        assertEquals(actual, documented);
    }

    @Test
    void spanTableMatchesTheSpanNames() throws Exception {
        Set<String> documented = new TreeSet<>();
        for (List<String> row : table("span")) {
            documented.add(row.get(0));
        }
        Set<String> actual = new TreeSet<>();
        for (io.heapscope.allocator.event.EventKind k : io.heapscope.allocator.event.EventKind.values()) {
            actual.add(OtelSpanListener.spanName(k));
        }
        assertEquals(actual, documented);
    }

    @Test
    void attributeTableMatchesTheKeys() throws Exception {
        Map<String, String> documented = new TreeMap<>();
        for (List<String> row : table("attribute")) {
            documented.put(row.get(0), row.get(1));
        }
        Map<String, String> actual = new TreeMap<>();
        for (Field f : HeapscopeAttributes.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == AttributeKey.class) {
                AttributeKey<?> k = (AttributeKey<?>) f.get(null);
                actual.put(k.getKey(), k.getType().name().toLowerCase());
            }
        }
        assertEquals(actual, documented);
    }

    @Test
    void metricTableMatchesTheMetricNames() throws Exception {
        Set<String> documented = new TreeSet<>();
        for (List<String> row : table("metric")) {
            documented.add(row.get(0));
            String prom = row.get(0).replace('.', '_');
            assertTrue(row.get(4).startsWith(prom), row.get(4) + " derives from " + row.get(0));
        }
        Set<String> actual = new TreeSet<>();
        for (Field f : AllocatorMetrics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                actual.add((String) f.get(null));
            }
        }
        assertEquals(actual, documented);
    }
}

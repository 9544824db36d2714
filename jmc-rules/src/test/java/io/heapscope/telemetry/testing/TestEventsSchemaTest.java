package io.heapscope.telemetry.testing;

import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.ValueDescriptor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The rules' tests build recordings from {@link TestEvents} (their fields are set directly, which the allocator's
 * package-private event fields do not allow); this keeps that copy of the schema equal to the allocator's event
 * classes: same event names, same field names and types, so a rule tested on the copy reads real recordings.
 */
class TestEventsSchemaTest {

    @Test
    void theTestEventsHaveTheAllocatorsSchema() throws Exception {
        List<String> compared = new ArrayList<>();
        for (Class<? extends Event> copy : TestEvents.ALL) {
            EventType copyType = EventType.getEventType(copy);
            if (!copyType.getName().startsWith("heapscope.") || copyType.getName().startsWith("heapscope.OffHeap")) {
                continue; // the agent's framework events are made by the agent (EventFactory), not a class here
            }
            Class<?> real = Class.forName("io.heapscope.telemetry.jfr." + copy.getSimpleName() + "Event");
            @SuppressWarnings("unchecked")
            EventType realType = EventType.getEventType((Class<? extends Event>) real);
            assertEquals(realType.getName(), copyType.getName(), copy.getName());
            assertEquals(fields(realType), fields(copyType), copyType.getName() + ": fields (name -> type)");
            compared.add(copyType.getName());
        }
        assertEquals(10, compared.size(), "every allocator event type has its copy compared: " + compared);
    }

    /** Field name to type name, without JFR's implicit fields (start time, duration, thread, stack trace). */
    private static Map<String, String> fields(EventType t) {
        Map<String, String> out = new TreeMap<>();
        for (ValueDescriptor v : t.getFields()) {
            if (!List.of("startTime", "duration", "eventThread", "stackTrace").contains(v.getName())) {
                out.put(v.getName(), v.getTypeName());
            }
        }
        return out;
    }
}

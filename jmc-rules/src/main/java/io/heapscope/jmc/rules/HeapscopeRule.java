package io.heapscope.jmc.rules;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.openjdk.jmc.common.IDisplayable;
import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.unit.UnitLookup;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.common.util.TypedPreference;
import org.openjdk.jmc.flightrecorder.rules.AbstractRule;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IResultValueProvider;
import org.openjdk.jmc.flightrecorder.rules.ResultBuilder;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit.EventAvailability;

/** What the Heapscope rules share: topic, result construction, formatting. */
abstract class HeapscopeRule extends AbstractRule {
    /** The rules' topic (JMC groups results by topic; the HTML report lists unknown topics together). */
    static final String TOPIC = "heapscope.offheap";

    HeapscopeRule(String id, String name, List<TypedPreference<?>> preferences, List<TypedResult<?>> results,
            Map<String, EventAvailability> requiredEvents) {
        super(id, name, TOPIC, Collections.unmodifiableList(preferences), withScore(results), requiredEvents);
    }

    private static Collection<TypedResult<?>> withScore(List<TypedResult<?>> results) {
        List<TypedResult<?>> all = new ArrayList<>();
        all.add(TypedResult.SCORE);
        all.addAll(results);
        return Collections.unmodifiableList(all);
    }

    static List<TypedPreference<?>> prefs(TypedPreference<?>... p) {
        return Arrays.asList(p);
    }

    static List<TypedResult<?>> results(TypedResult<?>... r) {
        return Arrays.asList(r);
    }

    @Override
    protected final IResult getResult(IItemCollection items, IPreferenceValueProvider vp, IResultValueProvider rp) {
        return evaluate(items, vp == null ? IPreferenceValueProvider.DEFAULT_VALUES : vp);
    }

    protected abstract IResult evaluate(IItemCollection items, IPreferenceValueProvider vp);

    /** A result whose severity follows its score (OK below 25, INFO below 75, WARNING from 75). */
    final ResultBuilder scored(IPreferenceValueProvider vp, double score) {
        double s = Double.isNaN(score) ? 0 : Math.max(0, Math.min(100, score));
        return ResultBuilder.createFor(this, vp).setSeverity(Severity.get(s))
                .addResult(TypedResult.SCORE, UnitLookup.NUMBER_UNITY.quantity(s));
    }

    final IResult ok(IPreferenceValueProvider vp, String summary, String explanation) {
        return scored(vp, 0).setSummary(summary).setExplanation(explanation).build();
    }

    final IResult notApplicable(IPreferenceValueProvider vp, String summary) {
        return RulesToolkit.getNotApplicableResult(this, vp, summary);
    }

    /**
     * Whether the rule can tell that no event of {@code typeId} happened: the type is in the recording and enabled,
     * or it is absent (JFR describes an event class only once it is loaded, so a failure type the program never hit
     * is missing) while the recording has the allocator's buffer or heap events. False when the type was disabled
     * or nothing of the allocator was recorded.
     */
    static boolean noneHappened(IItemCollection items, String typeId) {
        EventAvailability a = RulesToolkit.getEventAvailability(items, typeId);
        if (a == EventAvailability.AVAILABLE || a == EventAvailability.ENABLED) {
            return true;
        }
        if (a == EventAvailability.DISABLED) {
            return false;
        }
        return recorded(items, HeapscopeEventTypes.BUFFER_ALLOCATED)
                || recorded(items, HeapscopeEventTypes.HEAP_ALLOCATED);
    }

    /** True when the type is in the recording (enabled, or with events). */
    static boolean recorded(IItemCollection items, String typeId) {
        EventAvailability a = RulesToolkit.getEventAvailability(items, typeId);
        return a == EventAvailability.AVAILABLE || a == EventAvailability.ENABLED;
    }

    static double fraction(IPreferenceValueProvider vp, TypedPreference<IQuantity> p) {
        return vp.getPreferenceValue(p).doubleValueIn(UnitLookup.PERCENT_UNITY);
    }

    static long bytes(IPreferenceValueProvider vp, TypedPreference<IQuantity> p) {
        return vp.getPreferenceValue(p).clampedLongValueIn(UnitLookup.BYTE);
    }

    static long number(IPreferenceValueProvider vp, TypedPreference<IQuantity> p) {
        return vp.getPreferenceValue(p).longValue();
    }

    static TypedPreference<IQuantity> percentPref(String id, String name, String description, double percent) {
        return new TypedPreference<>(id, name, description, UnitLookup.PERCENTAGE, UnitLookup.PERCENT.quantity(percent));
    }

    static TypedPreference<IQuantity> bytesPref(String id, String name, String description, long bytes) {
        return new TypedPreference<>(id, name, description, UnitLookup.MEMORY, UnitLookup.BYTE.quantity(bytes));
    }

    static TypedPreference<IQuantity> countPref(String id, String name, String description, long count) {
        return new TypedPreference<>(id, name, description, UnitLookup.NUMBER, UnitLookup.NUMBER_UNITY.quantity(count));
    }

    static TypedResult<IQuantity> memoryResult(String id, String name, String description) {
        return new TypedResult<>(id, name, description, UnitLookup.MEMORY, IQuantity.class);
    }

    static TypedResult<IQuantity> countResult(String id, String name, String description) {
        return new TypedResult<>(id, name, description, UnitLookup.NUMBER, IQuantity.class);
    }

    static TypedResult<IQuantity> percentResult(String id, String name, String description) {
        return new TypedResult<>(id, name, description, UnitLookup.PERCENTAGE, IQuantity.class);
    }

    static TypedResult<String> textResult(String id, String name, String description) {
        return new TypedResult<>(id, name, description, UnitLookup.PLAIN_TEXT, String.class);
    }

    static IQuantity memory(long bytes) {
        return UnitLookup.BYTE.quantity(bytes);
    }

    static IQuantity count(long n) {
        return UnitLookup.NUMBER_UNITY.quantity(n);
    }

    static IQuantity percent(double fraction) {
        return UnitLookup.PERCENT_UNITY.quantity(fraction);
    }

    /** Bytes as JMC shows them ("1.5 MiB"), with plain spaces (JMC puts a no-break space before the unit). */
    static String fmtBytes(long bytes) {
        return memory(bytes).displayUsing(IDisplayable.AUTO).replace('\u00a0', ' ').replace('\u202f', ' ');
    }

    /** A fraction as a whole percentage ("87%"). */
    static String fmtPercent(double fraction) {
        return Math.round(fraction * 100) + "%";
    }

    /** "1 heap", "3 heaps". */
    static String plural(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }

    /** Items joined by "; " and closed by ". " (empty when there are none). */
    static String sentence(List<String> items) {
        return items.isEmpty() ? "" : String.join("; ", items) + ". ";
    }

    /** Text with braces replaced: JMC treats {@code {name}} in messages as a result placeholder. */
    static String safe(String s) {
        return s == null ? "" : s.replace('{', '(').replace('}', ')');
    }
}

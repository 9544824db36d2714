package io.heapscope.jmc.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;
import org.openjdk.jmc.flightrecorder.rules.Severity;

import io.heapscope.jmc.rules.RuleReports.Outcome;
import jdk.jfr.Recording;

/**
 * Each rule fires on a workload built to trip it and stays OK on a clean one. Recordings are made by real JFR from the
 * test's events, then read by JMC's parser and evaluated by JMC's headless {@code JfrRulesReport}.
 */
class HeapscopeRulesTest {
    static final List<String> IDS = List.of(FragmentationRule.ID, AllocationFailureRule.ID, LeakSuspectRule.ID,
            PendingFreeRule.ID, GcChurnRule.ID, WatermarkProximityRule.ID, FrameworkGrowthRule.ID);

    @TempDir
    Path dir;

    private Map<String, Outcome> run(String name, RuleReports.Workload workload) throws Exception {
        Map<String, Outcome> outcomes = RuleReports.report(RuleReports.record(dir.resolve(name + ".jfr"), workload));
        for (String id : IDS) {
            assertTrue(outcomes.containsKey(id), () -> id + " missing from the report: " + outcomes.keySet());
            assertNull(outcomes.get(id).error(), () -> id + " failed: " + outcomes.get(id).error());
        }
        return outcomes;
    }

    /** The rule fired: WARNING, with a score of at least 75 that JMC printed. */
    private static Outcome warns(Map<String, Outcome> outcomes, String id) {
        Outcome o = outcomes.get(id);
        assertEquals(Severity.WARNING, o.sev(), () -> id + ": " + o);
        assertTrue(o.scoreValue() >= 75 && o.scoreValue() <= 100, () -> id + " score " + o.score());
        assertFalse(o.summary().isBlank(), id + " summary");
        assertFalse(o.explanation() == null || o.explanation().isBlank(), id + " explanation");
        assertFalse(o.solution() == null || o.solution().isBlank(), id + " solution");
        return o;
    }

    private static void contains(Outcome o, String text, String where) {
        assertTrue(where.contains(text), () -> o.id() + " should name '" + text + "': " + where);
    }

    @Test
    void everyRuleIsRegisteredThroughTheServiceLoader() {
        Set<String> ids = new TreeSet<>();
        for (IRule r : RuleRegistry.getRules()) {
            ids.add(r.getId());
            if (IDS.contains(r.getId())) {
                assertEquals(HeapscopeRule.TOPIC, r.getTopic());
                assertFalse(r.getName().isBlank());
            }
        }
        assertTrue(ids.containsAll(IDS), () -> "registered: " + ids);
    }

    @Test
    void cleanWorkloadKeepsEveryRuleOk() throws Exception {
        Map<String, Outcome> outcomes = run("clean", Workloads::clean);
        for (String id : IDS) {
            Outcome o = outcomes.get(id);
            assertEquals(Severity.OK, o.sev(), () -> id + " on the clean workload: " + o);
            assertTrue(o.scoreValue() < 25, () -> id + " score " + o.score());
        }
    }

    @Test
    void fragmentationNamesThePoolAndItsPeaks() throws Exception {
        Map<String, Outcome> outcomes = run("fragmented", Workloads::fragmentedPool);
        Outcome o = warns(outcomes, FragmentationRule.ID);
        contains(o, "PRIVATE_LARGE", o.summary());
        contains(o, "1 GiB", o.summary());
        contains(o, "92 MiB", o.summary()); // peak in use: 64 + 4 * 7
        contains(o, "804 MiB more than one heap's worth", o.summary()); // 1024 - 92 - 128
        contains(o, "heapscope.PoolStatistics", o.explanation());
        assertFalse(o.summary().contains("SHARED_SMALL"), o.summary());
    }

    @Test
    void fragmentationIsRebuiltFromHeapAndBufferEventsWithoutPoolStatistics() throws Exception {
        Map<String, Outcome> outcomes = run("fragmented-events", Workloads::fragmentedPoolFromEvents);
        Outcome o = warns(outcomes, FragmentationRule.ID);
        contains(o, "PRIVATE_LARGE", o.summary());
        contains(o, "512 MiB", o.summary());
        contains(o, "64 MiB", o.summary());
        contains(o, "heap and buffer events", o.explanation());
    }

    @Test
    void oneHeapOfSlackIsNotFragmentation() throws Exception {
        Outcome o = run("one-heap", Workloads::oneLargeHeapLightlyUsed).get(FragmentationRule.ID);
        assertEquals(Severity.OK, o.sev(), o::toString);
        contains(o, "PRIVATE_LARGE: peak reserved 1 GiB, peak in use 20 MiB, never used ", o.explanation());
        contains(o, " MiB (98%), heap 1 GiB", o.explanation());
    }

    @Test
    void allocationFailuresNameTheLargestRequestItsMessageAndCaller() throws Exception {
        Map<String, Outcome> outcomes = run("failing", Workloads::failingAllocations);
        Outcome o = warns(outcomes, AllocationFailureRule.ID);
        contains(o, "3 off-heap allocations failed", o.summary());
        contains(o, "2 GiB", o.summary());
        contains(o, "PRIVATE_LARGE", o.summary());
        contains(o, "MPS backend out of memory (high watermark reached): 2.00 GiB requested", o.summary());
        contains(o, "1 of the 3 failures hit the high watermark", o.explanation());
        contains(o, "io.heapscope.jmc.rules.Workloads.loadHugeTensor", o.explanation());
        contains(o, "HEAPSCOPE_HIGH_WATERMARK_RATIO", o.solution());
    }

    @Test
    void leakSuspectsAreGroupedByTheAllocatingFrame() throws Exception {
        Map<String, Outcome> outcomes = run("leaky", Workloads::leakingCache);
        Outcome o = warns(outcomes, LeakSuspectRule.ID);
        contains(o, "io.heapscope.jmc.rules.Workloads.cacheEmbeddingsWithoutFree", o.summary());
        contains(o, "12 off-heap buffers (24 MiB)", o.summary());
        assertFalse(o.all().contains("tidyStep"), "a site that frees is no suspect: " + o.all());
        assertFalse(o.all().contains("prefetchNextBatch"), "the last 10% is ignored: " + o.all());
        assertFalse(o.all().contains("io.heapscope.telemetry"), "frames of the telemetry layer are skipped");
        contains(o, "(8 buffers still live) are ignored", o.explanation());
    }

    @Test
    void leakSuspectsIgnoreAllocationsInTheLastTenthOfTheRecording() throws Exception {
        Map<String, Outcome> outcomes = run("recent", Workloads::onlyRecentAllocationsUnfreed);
        Outcome o = outcomes.get(LeakSuspectRule.ID);
        assertEquals(Severity.OK, o.sev(), o::toString);
        contains(o, "(8 buffers still live) are ignored", o.explanation());
    }

    @Test
    void leakSuspectsNeedAtLeastAMebibyteUnfreed() throws Exception {
        Outcome o = run("tiny-unfreed", Workloads::tinyUnfreedAllocations).get(LeakSuspectRule.ID);
        assertEquals(Severity.OK, o.sev(), o::toString);
    }

    @Test
    void pendingFreesNameThePoolAndTheFreeingFrame() throws Exception {
        Map<String, Outcome> outcomes = run("pending", Workloads::pendingFrees);
        Outcome o = warns(outcomes, PendingFreeRule.ID);
        contains(o, "20 buffers (10 MiB) of PRIVATE_SMALL", o.summary());
        contains(o, "20 of 24 frees", o.explanation());
        contains(o, "io.heapscope.jmc.rules.Workloads.freeWhileKernelRuns", o.explanation());
    }

    @Test
    void gcChurnCountsBuffersReleasedThenCreatedAgain() throws Exception {
        Map<String, Outcome> outcomes = run("churn", Workloads::gcChurn);
        Outcome o = warns(outcomes, GcChurnRule.ID);
        contains(o, "PRIVATE_LARGE: 10 cached buffers (160 MiB)", o.summary());
        contains(o, "garbage collection ran 10 times", o.explanation());
    }

    @Test
    void gcChurnOfAFewKibibytesIsNotReported() throws Exception {
        Outcome o = run("tiny-churn", Workloads::tinyGcChurn).get(GcChurnRule.ID);
        assertEquals(Severity.OK, o.sev(), o::toString);
        contains(o, "10 released buffers (640 KiB) were followed by 10 allocations of the same size", o.explanation());
    }

    @Test
    void watermarkProximityComparesPeakInUseWithTheHighWatermarkLimit() throws Exception {
        Map<String, Outcome> outcomes = run("near-limit", Workloads::nearHighWatermark);
        Outcome o = warns(outcomes, WatermarkProximityRule.ID);
        contains(o, "near-limit had 980 MiB in use at its peak, 96% of its 1 GiB high watermark limit", o.summary());
    }

    @Test
    void frameworkGrowthNamesTheFrameworkAndTheAllocatingFrame() throws Exception {
        Map<String, Outcome> outcomes = run("direct-growth", Workloads::growingDirectMemory);
        Outcome o = warns(outcomes, FrameworkGrowthRule.ID);
        contains(o, "jdk.direct off-heap memory grew by 30 MiB in the second half", o.summary());
        contains(o, "to 40 MiB live", o.summary());
        contains(o, "io.heapscope.jmc.rules.Workloads.cacheDirectBuffers", o.explanation());
    }

    @Test
    void withHeapscopeEventsDisabledEveryRuleIsNotApplicable() throws Exception {
        Path file = dir.resolve("jdk-only.jfr");
        try (Recording r = new Recording()) {
            for (Class<? extends jdk.jfr.Event> c : io.heapscope.telemetry.testing.TestEvents.ALL) {
                r.disable(c); // as a recording made without Heapscope's settings: the types known, not enabled
            }
            r.enable("jdk.ActiveSetting");
            r.enable("jdk.ThreadSleep").withoutThreshold();
            r.start();
            Thread.sleep(5);
            r.stop();
            r.dump(file);
        }
        Map<String, Outcome> outcomes = RuleReports.report(file);
        for (String id : IDS) {
            Outcome o = outcomes.get(id);
            assertEquals(Severity.NA, o.sev(), () -> id + ": " + o);
            assertNull(o.error(), id);
        }
    }
}

package io.heapscope.jmc.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmc.flightrecorder.rules.report.html.JfrHtmlRulesReport;

/** JMC's HTML report and the command line, on a real recording of the fragmentation and failure workloads. */
class ReportsAndCommandLineTest {
    @TempDir
    static Path dir;
    static Path recording;

    @BeforeAll
    static void record() throws Exception {
        recording = RuleReports.record(dir.resolve("two-problems.jfr"), () -> {
            Workloads.fragmentedPool();
            Workloads.failingAllocations();
        });
    }

    private record Run(int status, String out, String err) {
    }

    private static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String line(String out, String ruleId) {
        return out.lines().filter(l -> l.contains("(" + ruleId + ")")).findFirst()
                .orElseThrow(() -> new AssertionError(ruleId + " not printed:\n" + out));
    }

    @Test
    void htmlReportListsTheRulesWithTheirFindings() throws Exception {
        String html = JfrHtmlRulesReport.createReport(recording.toFile());
        assertTrue(html.startsWith("<!DOCTYPE html>") || html.contains("<html"), html.substring(0, 200));
        for (String name : List.of("Off-heap pool fragmentation", "Off-heap allocation failures",
                "Off-heap leak suspects", "Off-heap high watermark proximity")) {
            assertTrue(html.contains(name), name);
        }
        assertTrue(html.contains("Pool PRIVATE_LARGE reserved up to 1 GiB"), "fragmentation finding in the HTML");
        assertTrue(html.contains("3 off-heap allocations failed"), "failure finding in the HTML");
    }

    @Test
    void commandLinePrintsOneLinePerRuleWithSeverityScoreAndSummary() {
        Run r = main(recording.toString());
        assertEquals(0, r.status(), r.err());
        String frag = line(r.out(), FragmentationRule.ID);
        assertTrue(frag.startsWith("WARNING"), frag);
        assertTrue(frag.matches("WARNING +\\d+\\.\\d +Off-heap pool fragmentation .*PRIVATE_LARGE reserved up to 1 GiB.*"),
                frag);
        assertTrue(line(r.out(), AllocationFailureRule.ID).startsWith("WARNING"));
        assertTrue(line(r.out(), PendingFreeRule.ID).startsWith("OK"), r.out());
        assertEquals(HeapscopeRulesTest.IDS.size(), r.out().lines().count(), r.out());
    }

    @Test
    void commandLineFiltersBySeverityAndPrintsExplanationsWhenVerbose() {
        Run r = main("--min", "warning", "--verbose", recording.toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(r.out().contains("(" + PendingFreeRule.ID + ")"), r.out());
        assertTrue(r.out().contains("Solution: The high watermark limit"), r.out());
        assertTrue(r.out().contains("io.heapscope.jmc.rules.Workloads.loadHugeTensor"), r.out());
    }

    @Test
    void commandLineWritesJmcsHtmlReport() throws Exception {
        Path html = dir.resolve("report.html");
        Run r = main("--html", html.toString(), recording.toString());
        assertEquals(0, r.status(), r.err());
        String text = Files.readString(html);
        assertTrue(text.contains("Off-heap pool fragmentation") && text.contains("3 off-heap allocations failed"));
    }

    @Test
    void commandLineHandsOtherFormatsToJfrRulesReport() {
        Run r = main("--format", "json", recording.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"" + FragmentationRule.ID + "\""), r.out());
    }

    @Test
    void commandLineRejectsBadArgumentsAndUnreadableFiles() {
        assertEquals(1, main().status());
        assertEquals(1, main("--min", "loud", recording.toString()).status());
        assertEquals(1, main("--bogus", recording.toString()).status());
        Run missing = main(dir.resolve("missing.jfr").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("cannot read the recording"), missing.err());
    }

    @Test
    void frameworkEventMatchingFollowsTheTypeName() {
        assertEquals(FrameworkEvents.Kind.ALLOCATION, FrameworkEvents.kind("heapscope.OffHeapAllocation"));
        assertEquals(FrameworkEvents.Kind.ALLOCATION, FrameworkEvents.kind("heapscope.FileMapping"));
        assertEquals(FrameworkEvents.Kind.FREE, FrameworkEvents.kind("heapscope.OffHeapFree"));
        assertEquals(FrameworkEvents.Kind.FREE, FrameworkEvents.kind("heapscope.FileUnmapping"));
        // pool-internal buffers are carved from memory already counted, and allocator events are not frameworks'
        assertEquals(FrameworkEvents.Kind.NONE, FrameworkEvents.kind("heapscope.PooledBufferAllocation"));
        assertEquals(FrameworkEvents.Kind.NONE, FrameworkEvents.kind("heapscope.BufferAllocated"));
        assertEquals(FrameworkEvents.Kind.NONE, FrameworkEvents.kind("jdk.ObjectAllocationSample"));
    }
}

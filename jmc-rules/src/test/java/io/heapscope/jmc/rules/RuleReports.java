package io.heapscope.jmc.rules;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.report.JfrRulesReport;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import io.heapscope.telemetry.testing.TestEvents;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;

/** Makes recordings with real JFR and reads them back through JMC's headless rules report (JfrRulesReport). */
final class RuleReports {
    /** JMC 9.1.2's parser warns once per recording about JDK 25's thread field 'virtual'; harmless noise in tests. */
    private static final Logger PARSER_LOG = Logger.getLogger("org.openjdk.jmc.flightrecorder.internal.parser");

    static {
        PARSER_LOG.setLevel(Level.SEVERE);
    }

    private RuleReports() {
    }

    /** A workload that may sleep. */
    interface Workload {
        void run() throws InterruptedException;
    }

    /** One rule's entry in JfrRulesReport's XML. */
    record Outcome(String id, String name, String severity, String score, String summary, String explanation,
            String solution, String error) {

        Severity sev() {
            for (Severity s : Severity.values()) {
                if (s.getLocalizedName().equals(severity)) {
                    return s;
                }
            }
            throw new AssertionError("rule " + id + ": unknown severity '" + severity + "' (error: " + error + ")");
        }

        /** The score as JMC printed it (a plain number; either decimal separator). */
        double scoreValue() {
            if (score == null || score.isEmpty()) {
                return Double.NaN;
            }
            return Double.parseDouble(score.replace(',', '.').replaceAll("[^0-9.]", ""));
        }

        String all() {
            return summary + "\n" + explanation + "\n" + solution;
        }
    }

    /** Records the workload's test events (stack traces on) with a fresh JFR recording and dumps it to {@code file}. */
    static Path record(Path file, Workload workload) throws IOException, InterruptedException {
        for (Class<? extends Event> c : TestEvents.ALL) {
            FlightRecorder.register(c);
        }
        try (Recording r = new Recording()) {
            for (Class<? extends Event> c : TestEvents.ALL) {
                r.enable(c).withStackTrace();
            }
            r.enable("jdk.ActiveSetting");
            r.start();
            workload.run();
            r.stop();
            r.dump(file);
        }
        return file;
    }

    /** Every rule's result (any severity, N/A included) from JMC's JfrRulesReport, verbose, by rule id. */
    static Map<String, Outcome> report(Path jfr) throws ParserConfigurationException {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
        Element root = doc.createElement("reportcollection");
        doc.appendChild(root);
        JfrRulesReport.addReport(jfr.toString(), Severity.NA, true, root);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        NodeList rules = doc.getElementsByTagName("rule");
        for (int i = 0; i < rules.getLength(); i++) {
            Element rule = (Element) rules.item(i);
            Outcome o = new Outcome(text(rule, "id"), text(rule, "name"), text(rule, "severity"), text(rule, "score"),
                    text(rule, "summary"), text(rule, "explanation"), text(rule, "solution"), text(rule, "error"));
            outcomes.put(o.id(), o);
        }
        NodeList errors = root.getElementsByTagName("error");
        if (errors.getLength() > 0 && outcomes.isEmpty()) {
            throw new AssertionError("JfrRulesReport: " + errors.item(0).getTextContent());
        }
        return outcomes;
    }

    private static String text(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && n.getNodeName().equals(tag)) {
                return n.getTextContent();
            }
        }
        return null;
    }
}

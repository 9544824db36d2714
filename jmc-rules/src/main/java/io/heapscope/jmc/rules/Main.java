package io.heapscope.jmc.rules;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.openjdk.jmc.common.item.IItemCollection;
import org.openjdk.jmc.common.unit.IQuantity;
import org.openjdk.jmc.common.util.IPreferenceValueProvider;
import org.openjdk.jmc.flightrecorder.CouldNotLoadRecordingException;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.rules.IResult;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.openjdk.jmc.flightrecorder.rules.ResultToolkit;
import org.openjdk.jmc.flightrecorder.rules.RuleRegistry;
import org.openjdk.jmc.flightrecorder.rules.Severity;
import org.openjdk.jmc.flightrecorder.rules.TypedResult;
import org.openjdk.jmc.flightrecorder.rules.report.JfrRulesReport;
import org.openjdk.jmc.flightrecorder.rules.report.html.JfrHtmlRulesReport;
import org.openjdk.jmc.flightrecorder.rules.util.RulesToolkit;

/**
 * {@code java -jar heapscope-jmc-rules.jar [options] FILE.jfr...}: runs every rule on the class path (the Heapscope
 * rules, plus JMC's JDK rules if their jar is added) on each recording and prints one line per rule.
 */
public final class Main {
    /**
     * JMC 9.1's parser logs one WARNING per recording for fields of newer JDKs it does not know (e.g. JDK 25's
     * {@code thread.virtual}); harmless, so it is quieted unless {@code --verbose}. Held here: JUL keeps loggers weakly.
     */
    private static final Logger PARSER_LOG = Logger.getLogger("org.openjdk.jmc.flightrecorder.internal.parser");
    private static final String USAGE = String.join("\n",
            "usage: java -jar heapscope-jmc-rules.jar [options] FILE.jfr...",
            "  (default)          one line per rule: severity, score, rule, short explanation",
            "  --verbose          also the long explanation and the suggested solution",
            "  --min LEVEL        only results at or above ok | info | warning (default ok)",
            "  --html OUT.html    also write JMC's HTML report (JfrHtmlRulesReport) of the first file",
            "  --format FMT       print JMC's own report instead (JfrRulesReport): xml | text | json | html",
            "exit status: 0 when every file was analysed, 1 on a usage error or a file that could not be read");

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The command line, printing to {@code out} / {@code err}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = false;
        Severity min = Severity.OK;
        String html = null;
        String format = null;
        List<String> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--verbose", "-v" -> verbose = true;
                case "--min", "--html", "--format" -> {
                    if (i + 1 >= args.length) {
                        err.println(a + " needs a value\n" + USAGE);
                        return 1;
                    }
                    String v = args[++i];
                    if (a.equals("--html")) {
                        html = v;
                    } else if (a.equals("--format")) {
                        format = v.toLowerCase(Locale.ROOT);
                    } else {
                        min = severity(v);
                        if (min == null) {
                            err.println("--min takes ok, info or warning\n" + USAGE);
                            return 1;
                        }
                    }
                }
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    if (a.startsWith("-")) {
                        err.println("unknown option " + a + "\n" + USAGE);
                        return 1;
                    }
                    files.add(a);
                }
            }
        }
        if (files.isEmpty()) {
            err.println(USAGE);
            return 1;
        }
        if (!verbose) {
            PARSER_LOG.setLevel(Level.SEVERE);
        }
        if (format != null) {
            return jmcReport(format, min, verbose, files, out, err);
        }
        int status = 0;
        for (String f : files) {
            IItemCollection items;
            try {
                items = JfrLoaderToolkit.loadEvents(new File(f));
            } catch (IOException | CouldNotLoadRecordingException e) {
                err.println(f + ": cannot read the recording: " + e.getMessage());
                status = 1;
                continue;
            }
            if (files.size() > 1) {
                out.println("== " + f);
            }
            print(items, min, verbose, out);
            if (html != null) {
                try {
                    Files.writeString(Path.of(html), JfrHtmlRulesReport.createReport(items), StandardCharsets.UTF_8);
                    out.println("HTML report: " + html);
                } catch (IOException e) {
                    err.println(html + ": cannot write: " + e.getMessage());
                    status = 1;
                }
                html = null;
            }
        }
        return status;
    }

    private static Severity severity(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "ok":
                return Severity.OK;
            case "info":
                return Severity.INFO;
            case "warning":
                return Severity.WARNING;
            default:
                return null;
        }
    }

    /** Evaluates every registered rule, sorted by id; never throws for one rule's failure. */
    static List<IResult> evaluate(IItemCollection items) {
        Map<IRule, Future<IResult>> futures = RulesToolkit.evaluateParallel(RuleRegistry.getRules(), items, null, 0);
        List<IRule> rules = new ArrayList<>(futures.keySet());
        rules.sort(Comparator.comparing(IRule::getId));
        List<IResult> results = new ArrayList<>();
        for (IRule r : rules) {
            try {
                results.add(futures.get(r).get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                results.add(RulesToolkit.getNotApplicableResult(r, IPreferenceValueProvider.DEFAULT_VALUES,
                        "Rule failed: " + e.getCause()));
            }
        }
        return results;
    }

    private static void print(IItemCollection items, Severity min, boolean verbose, PrintStream out) {
        for (IResult r : evaluate(items)) {
            if (r.getSeverity().compareTo(min) < 0 && !(min == Severity.OK && r.getSeverity() == Severity.NA)) {
                continue;
            }
            IQuantity score = r.getResult(TypedResult.SCORE);
            out.printf("%-8s %5s  %s (%s): %s%n", r.getSeverity().name(),
                    score == null ? "-" : String.format(Locale.ROOT, "%.1f", score.doubleValue()),
                    r.getRule().getName(), r.getRule().getId(), text(r, r.getSummary()));
            if (verbose) {
                String explanation = text(r, r.getExplanation());
                String solution = text(r, r.getSolution());
                if (explanation != null && !explanation.isEmpty()) {
                    out.println("         " + explanation);
                }
                if (solution != null && !solution.isEmpty()) {
                    out.println("         Solution: " + solution);
                }
            }
        }
    }

    private static String text(IResult r, String s) {
        return ResultToolkit.populateMessage(r, s, false);
    }

    private static int jmcReport(String format, Severity min, boolean verbose, List<String> files, PrintStream out,
            PrintStream err) {
        PrintStream saved = System.out;
        try {
            System.setOut(out);
            JfrRulesReport.printReport(format, min, verbose, false, files.toArray(new String[0]));
            return 0;
        } catch (Exception e) {
            err.println("JMC report failed: " + e);
            return 1;
        } finally {
            System.setOut(saved);
        }
    }
}

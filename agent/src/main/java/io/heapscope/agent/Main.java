package io.heapscope.agent;

import io.heapscope.agent.report.RecordingReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The command-line tool in the agent jar: {@code attach}, {@code report}, {@code help}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            help();
            return;
        }
        int rc = dispatchTimeline(args);
        if (rc >= 0) {
            if (rc != 0) {
                System.exit(rc);
            }
            return;
        }
        switch (args[0]) {
            case "attach" -> {
                if (args.length < 2) {
                    fail("attach needs a process id: attach <pid> [options]");
                }
                attach(args[1], args.length > 2 ? args[2] : "");
            }
            case "report" -> {
                if (args.length < 2 || !Files.isRegularFile(Path.of(args[1]))) {
                    fail("report needs a JFR recording: report <file.jfr> [--json]");
                }
                RecordingReport r;
                try {
                    r = RecordingReport.read(Path.of(args[1]));
                } catch (java.io.IOException e) {
                    fail(e.getMessage());
                    return;
                }
                System.out.print(args.length > 2 && args[2].equals("--json") ? r.toJson() + "\n" : r.toText());
            }
            default -> fail("unknown command '" + args[0] + "'");
        }
    }

    /**
     * Loads the agent into the target and reports the target's own outcome (the agent leaves it in a system
     * property there): exit 0 only when the target applied the options.
     */
    private static void attach(String pid, String options) throws Exception {
        String jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        com.sun.tools.attach.VirtualMachine vm;
        try {
            vm = com.sun.tools.attach.VirtualMachine.attach(pid);
        } catch (com.sun.tools.attach.AttachNotSupportedException | java.io.IOException e) {
            fail("cannot attach to " + pid + ": " + e.getMessage());
            return;
        }
        String status;
        try {
            try {
                vm.loadAgent(jar, options);
            } catch (com.sun.tools.attach.AgentLoadException | com.sun.tools.attach.AgentInitializationException e) {
                fail("the agent did not load in " + pid + ": " + e.getMessage());
                return;
            }
            status = vm.getSystemProperties().getProperty(HeapscopeAgent.STATUS_PROPERTY, "failed: no status reported");
        } finally {
            vm.detach();
        }
        if (!status.startsWith("ok: ")) {
            fail("agent in " + pid + " " + status);
        }
        System.out.println("heapscope agent attached to " + pid + ": " + status.substring(4));
    }

    /**
     * {@code report --rules FILE.jfr [options]}: JDK Mission Control's rules engine with Heapscope's rules, run from the
     * {@code heapscope-jmc-rules.jar} beside this jar (JMC's libraries are not in the agent, which must stay small).
     */
    private static int rules(String[] args) throws Exception {
        Path here = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = Files.isDirectory(here) ? here : here.getParent();
        // beside the agent jar (a distribution), or in this repository's build (agent/target → jmc-rules/target)
        List<Path> candidates = new java.util.ArrayList<>(List.of(dir.resolve("heapscope-jmc-rules.jar")));
        if (dir.getParent() != null) {
            candidates.add(dir.getParent().resolveSibling("jmc-rules").resolve("target/heapscope-jmc-rules.jar"));
        }
        Path jar = candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
        if (jar == null) {
            System.err.println("heapscope: report --rules needs heapscope-jmc-rules.jar beside heapscope-agent.jar"
                    + " (build: mvn -pl jmc-rules -am package; or run java -jar heapscope-jmc-rules.jar FILE.jfr)");
            return 2;
        }
        String[] rest = java.util.Arrays.stream(args).skip(1).filter(a -> !a.equals("--rules")).toArray(String[]::new);
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[]{jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> main = Class.forName("io.heapscope.jmc.rules.Main", true, loader);
            Object rc = main.getMethod("run", String[].class, java.io.PrintStream.class, java.io.PrintStream.class)
                    .invoke(null, rest, System.out, System.err);
            return (Integer) rc;
        }
    }

    /** report --html / --diff, replay, export (timeline and interchange commands); -1 when not one of them. */
    private static int dispatchTimeline(String[] args) throws Exception {
        if (args[0].equals("report") && List.of(args).contains("--rules")) {
            return rules(args);
        }
        if (args[0].equals("report") && io.heapscope.agent.timeline.ReportCommands.handles(args)) {
            return io.heapscope.agent.timeline.ReportCommands.run(args, System.out, System.err);
        }
        return switch (args[0]) {
            case "replay" -> io.heapscope.agent.replay.ReplayCommand.run(
                    java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err);
            case "export" -> io.heapscope.agent.interchange.ExportCommand.run(args, System.out, System.err);
            default -> -1;
        };
    }

    private static void help() {
        System.out.println("""
                heapscope agent and tool
                  java -javaagent:heapscope-agent.jar[=key=value,...] -jar app.jar
                  java -jar heapscope-agent.jar attach <pid> [key=value,...]
                  java -jar heapscope-agent.jar report <file.jfr> [--json]
                  java -jar heapscope-agent.jar report --html OUT.html <file.jfr>    memory timeline page
                  java -jar heapscope-agent.jar report --diff A.jfr B.jfr            per-site/pool deltas
                  java -jar heapscope-agent.jar report --rules <file.jfr> [--verbose] [--html OUT.html]  JMC rules
                  java -jar heapscope-agent.jar replay FILE [--capacity 8g,12g] [--sizing unified,discrete]
                        [--high R,..] [--low R,..] [--backend host] [--html OUT.html] [--json OUT.json]
                  java -jar heapscope-agent.jar export --memory-viz OUT.pickle FILE  PyTorch snapshot
                options: verbosity=ALLOCATIONS+RECYCLES+RELEASES (names or mask), hooks=direct+netty+...|all|none
                         (hooks: %s),
                         sinks=jfr+otel+log, stacks=true|false, jfr.file=<path> (recording dumped at exit),
                         jfr.maxsize=512m, jfr.maxage=6h (bounds of that recording)""".formatted(String.join(", ", AgentOptions.hookNames())));
    }

    private static void fail(String message) {
        System.err.println("heapscope: " + message);
        System.exit(2);
    }
}

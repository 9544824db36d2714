package io.heapscope.agent.timeline;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's chromium, headless, for the browser tests: found on PATH, or installed with apt-get when this runs as
 * root (as in CI); only when neither works does a test skip, with the reason.
 */
final class Chromium {
    private static String binary;
    private static String missing;

    private Chromium() {
    }

    static synchronized String binary() {
        if (binary == null && missing == null) {
            binary = find();
            if (binary == null) {
                missing = install();
                binary = find();
                if (binary == null && missing == null) {
                    missing = "apt-get install chromium finished but no chromium binary is on PATH";
                }
            }
        }
        Assumptions.assumeTrue(binary != null, () -> "no chromium for the browser test: " + missing);
        return binary;
    }

    private static String find() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    private static String install() {
        try {
            if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
                return "not on PATH and no apt-get to install it";
            }
            String user = run(List.of("id", "-u"), 10).strip();
            List<String> sudo = user.equals("0") ? List.of() : List.of("sudo", "-n");
            List<String> update = new ArrayList<>(sudo);
            update.addAll(List.of("apt-get", "update", "-q"));
            run(update, 300);
            List<String> cmd = new ArrayList<>(sudo);
            cmd.addAll(List.of("apt-get", "install", "-y", "-q", "chromium"));
            String out = run(cmd, 600);
            return find() != null ? null : "apt-get install chromium failed: " + out.lines().reduce((a, b) -> b)
                    .orElse("");
        } catch (IOException | InterruptedException e) {
            return "installing chromium failed: " + e;
        }
    }

    /** Runs chromium headless on {@code page} with extra flags; returns stdout. Each run gets a fresh profile. */
    static String headless(Path page, Path work, String... flags) throws IOException, InterruptedException {
        return headlessUrl(page.toUri().toString(), work, flags);
    }

    /** As {@link #headless}, for a URL (e.g. a file URL with a #fragment). */
    static String headlessUrl(String url, Path work, String... flags) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(binary(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        cmd.addAll(List.of(flags));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectError(work.resolve("chromium-stderr.log").toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("chromium did not finish in 180 s: " + cmd);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String run(List<String> cmd, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(seconds, TimeUnit.SECONDS);
        return new String(out, StandardCharsets.UTF_8);
    }
}

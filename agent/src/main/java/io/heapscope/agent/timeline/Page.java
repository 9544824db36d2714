package io.heapscope.agent.timeline;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the self-contained timeline page: one HTML file with the CSS, the viewer script and the data inline;
 * nothing is fetched (no network, no other file), so it opens offline in any browser.
 */
public final class Page {
    private Page() {
    }

    public static Map<String, Object> data(String title, String source, List<Map<String, Object>> runs) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("title", title);
        d.put("source", source);
        d.put("generated", java.time.Instant.now().toString());
        d.put("runs", runs);
        return d;
    }

    public static void write(Path out, Map<String, Object> data) throws IOException {
        String css = resource("timeline.css");
        String js = resource("timeline.js");
        String title = String.valueOf(data.get("title")).replace("&", "&amp;").replace("<", "&lt;");
        StringBuilder sb = new StringBuilder(1 << 20);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n")
                .append("<title>").append(title).append("</title>\n<style>\n").append(css).append("</style>\n")
                .append("</head><body>\n<div id=\"app\"><h1>").append(title).append("</h1>")
                .append("<p id=\"loading\">Loading (the page draws with JavaScript)...</p></div>\n")
                .append("<script type=\"application/json\" id=\"heapscope-data\">");
        JsonOut.write(sb, data);
        sb.append("</script>\n<script>\n").append(js).append("</script>\n</body></html>\n");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, sb, StandardCharsets.UTF_8);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Page.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

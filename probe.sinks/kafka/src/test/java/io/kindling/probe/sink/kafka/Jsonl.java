package io.kindling.probe.sink.kafka;

import io.kindling.probe.sink.jsonl.JsonlSink;
import io.kindling.probe.testing.Replay;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real JSON Lines sink beside the Kafka sink in a replay: the reference of what the probe delivered. */
final class Jsonl {
    private static final Pattern PID = Pattern.compile("\"thread\":\\{\"pid\":(\\d+)");

    private Jsonl() {}

    static JsonlSink open(Path file) throws Exception {
        JsonlSink sink = new JsonlSink();
        Method activate = JsonlSink.class.getDeclaredMethod("activate", JsonlSink.Config.class);
        activate.setAccessible(true);
        activate.invoke(sink, Replay.config(JsonlSink.Config.class, Map.of("path", file.toString())));
        return sink;
    }

    static void close(JsonlSink sink) throws Exception {
        Method deactivate = JsonlSink.class.getDeclaredMethod("deactivate");
        deactivate.setAccessible(true);
        deactivate.invoke(sink);
    }

    /** The lines of a JSON Lines file by the Kafka key their event gets ({@code HOST/PID}), in file order. */
    static Map<String, List<String>> byKey(Path file, String host) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = PID.matcher(line);
            String pid = m.find() ? m.group(1) : "0";
            out.computeIfAbsent(host + "/" + pid, k -> new ArrayList<>()).add(line);
        }
        return out;
    }

    static long count(Map<String, List<String>> byKey) {
        return byKey.values().stream().mapToLong(List::size).sum();
    }
}

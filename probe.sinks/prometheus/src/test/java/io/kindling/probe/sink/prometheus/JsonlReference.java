package io.kindling.probe.sink.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the JSON Lines sink saw in a replay, added up independently of the sink's code: the figures
 * the Prometheus sink must show for the same replay.
 */
final class JsonlReference {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> READS = Set.of("read", "readv", "pread", "pread64", "preadv",
            "recv", "recvfrom", "recvmsg", "recvmmsg");
    private static final Set<String> WRITES = Set.of("write", "writev", "pwrite", "pwrite64", "pwritev",
            "send", "sendto", "sendmsg", "sendmmsg", "sendfile", "sendfile64");

    long lines;
    final Map<String, Double> events = new TreeMap<>();
    final Map<String, Long> latencyCount = new TreeMap<>();
    final Map<String, Long> latencySumNanos = new TreeMap<>();
    final Map<String, long[]> latencyBuckets = new TreeMap<>();
    final Map<String, Double> socketBytes = new TreeMap<>();

    static JsonlReference of(Path jsonl) throws IOException {
        JsonlReference r = new JsonlReference();
        List<String> all = Files.readAllLines(jsonl);
        for (String line : all) {
            r.add(JSON.readTree(line));
        }
        return r;
    }

    private void add(JsonNode e) {
        lines++;
        String name = e.get("name").asText();
        events.merge(name + "|" + e.get("source").asText() + "|" + e.get("category").asText(), 1.0, Double::sum);
        if (!"syscall_exit".equals(e.get("source").asText())) {
            return;
        }
        long latency = e.get("latency").asLong();
        latencyCount.merge(name, 1L, Long::sum);
        latencySumNanos.merge(name, latency, Long::sum);
        long[] buckets = latencyBuckets.computeIfAbsent(name, n -> new long[EventMetrics.LATENCY_BOUNDS_NANOS.length]);
        for (int i = 0; i < buckets.length; i++) {
            if (latency <= EventMetrics.LATENCY_BOUNDS_NANOS[i]) {
                buckets[i]++;
            }
        }
        String syscall = name; // delivered with libsinsp's name, as the Kindling probe does
        String direction = READS.contains(syscall) ? "read" : WRITES.contains(syscall) ? "write" : null;
        JsonNode fd = e.get("fd");
        JsonNode res = e.get("attributes").get("res");
        if (direction == null || fd == null || !fd.has("protocol") || res == null || res.asLong() <= 0) {
            return;
        }
        String remote;
        if ("server".equals(fd.path("role").asText())) {
            remote = fd.path("sip").asText();
        } else {
            String dip = fd.path("dip").asText();
            remote = (dip.contains(":") ? "[" + dip + "]" : dip) + ":" + fd.path("dport").asText();
        }
        socketBytes.merge(direction + "|" + fd.get("protocol").asText() + "|" + remote, (double) res.asLong(), Double::sum);
    }
}

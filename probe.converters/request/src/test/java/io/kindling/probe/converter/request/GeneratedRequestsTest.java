package io.kindling.probe.converter.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.converter.request.http2.Http2Parser;
import io.kindling.probe.core.TestEngine;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.GenerationSummary;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.inspector.NativeInspector;
import io.kindling.probe.testing.Captures;
import io.kindling.probe.testing.Collector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generator's request scenarios replayed through the real engine, native inspector and request converter with
 * every protocol parser: the probe reports exactly the requests the generator logged ({@code .requests} next to the
 * capture), each with every logged field equal: timestamp, process, thread, fd, side, byte counts, the four times,
 * and the attributes (protocol, outcome, slowness, content key, the protocol's own). 30,000 events each, seed 21
 * ({@code -Dkindling.generated.events=N}, {@code -Dkindling.generated.seed=S} for others).
 */
class GeneratedRequestsTest {

    /** The fixed fields of a log line, by their place, as the probe's attribute names. */
    private static final String[] FIELDS = {"tid", "fd", "is_server", "request_io", "response_io", "request_sent_time",
        "waiting_ttfb_time", "content_download_time", "request_total_time"};

    /** One line of the request log. */
    record Logged(long ts, long pid, Map<String, String> fields, String line) {
        String protocol() {
            return fields.get("protocol");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "dns", "redis", "requests"})
    void theProbeReportsEveryRequestTheGeneratorLogged(String name, @TempDir Path dir) throws Exception {
        Captures.assumeNative();
        Scenario scenario = Scenario.fromName(name);
        Path capture = dir.resolve(name + ".scap");
        GenerationSummary summary = CaptureGenerator.generate(scenario, Long.getLong("kindling.generated.events", 30_000),
                Long.getLong("kindling.generated.seed", 21), capture);
        List<Logged> log = new ArrayList<>();
        for (String line : Files.readAllLines(CaptureGenerator.requestLog(capture))) {
            String[] f = line.split("\t");
            Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 0; i < FIELDS.length; i++) {
                fields.put(FIELDS[i], f[2 + i]);
            }
            for (int i = 2 + FIELDS.length; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                fields.put(f[i].substring(0, eq), f[i].substring(eq + 1));
            }
            log.add(new Logged(Long.parseLong(f[0]), Long.parseLong(f[1]), fields, line));
        }
        assertEquals(summary.requests(), log.size(), "the summary counts the log's lines");
        assertTrue(log.size() > 100, "requests logged: " + log.size());

        Collector requests = new Collector();
        RequestConverter converter = new Wire().converter; // every parser, in their rankings' order
        converter.addParser(new Http2Parser(), Map.of("service.ranking", 10));
        try (TestEngine engine = new TestEngine(new NativeInspector(1 << 21, 8192))) {
            engine.add(converter, Map.of(Converter.NAME, "request", Converter.EMITS, "net_request", Converter.NEEDS,
                    RequestConverter.NEEDS, Converter.SNAPLEN, 1024))
                    .add(requests, Map.of(Sink.SUBSCRIPTIONS, "net_request", Sink.NAME, "requests"));
            engine.replay(capture);
        }
        Map<String, ArrayDeque<KindlingEvent>> reported = new HashMap<>();
        for (KindlingEvent e : requests.named("net_request")) {
            reported.computeIfAbsent(key(e.thread().pid(), e.fd() == null ? -1 : e.fd().num(), e.timestamp()),
                    k -> new ArrayDeque<>()).add(e);
        }

        Map<String, int[]> perProtocol = new TreeMap<>(); // logged, found, agreeing
        List<String> differences = new ArrayList<>();
        for (Logged l : log) {
            int[] counts = perProtocol.computeIfAbsent(l.protocol(), p -> new int[3]);
            counts[0]++;
            ArrayDeque<KindlingEvent> at = reported.get(key(l.pid(), Long.parseLong(l.fields().get("fd")), l.ts()));
            KindlingEvent e = at == null ? null : at.poll();
            if (e == null) {
                differences.add("not reported: " + l.line());
                continue;
            }
            counts[1]++;
            List<String> wrong = new ArrayList<>();
            l.fields().forEach((field, expected) -> {
                String got = value(e, field);
                if (!expected.equals(got)) {
                    wrong.add(field + "=" + got + " (logged " + expected + ")");
                }
            });
            if (wrong.isEmpty()) {
                counts[2]++;
            } else {
                differences.add(wrong + " in " + l.line());
            }
        }
        List<String> unlogged = new ArrayList<>();
        reported.values().forEach(q -> q.forEach(e -> unlogged.add(e.toString())));
        int all = requests.named("net_request").size();
        perProtocol.forEach((p, c) -> System.out.println("generated requests, " + name + " scenario, " + p + ": logged "
                + c[0] + ", reported " + c[1] + ", agreeing on every field " + c[2]));
        System.out.println("generated requests, " + name + " scenario: logged " + log.size() + ", the probe reported " + all
                + ", not logged " + unlogged.size() + ", differences " + differences.size());
        differences.stream().limit(15).forEach(d -> System.out.println("  " + d));
        unlogged.stream().limit(10).forEach(d -> System.out.println("  not logged: " + d));
        assertEquals(List.of(), differences.subList(0, Math.min(15, differences.size())), differences.size() + " differences");
        assertEquals(List.of(), unlogged.subList(0, Math.min(10, unlogged.size())), unlogged.size() + " reported, not logged");
        assertEquals(log.size(), all);
    }

    private static String key(long pid, long fd, long ts) {
        return pid + " " + fd + " " + ts;
    }

    private static String value(KindlingEvent e, String field) {
        return switch (field) {
            case "tid" -> String.valueOf(e.thread().tid());
            case "fd" -> String.valueOf(e.fd().num());
            default -> {
                Attribute a = e.attribute(field);
                yield a == null ? null : a.value() instanceof Long v ? Long.toUnsignedString(v) : a.stringValue();
            }
        };
    }
}

package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.sink.otlp.OtlpReceiver;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the OTLP sink sent during {@link LiveRequestsIT}'s run, decoded by the test's receiver, against the servers'
 * own logs and against the requests the jsonl sink received in the same run: histogram counts per method and status
 * against nginx's access log (both sides), per command against Redis's MONITOR, per name against dnsmasq's query
 * log, per SQL operation against the events; histogram sums against the requests' own durations and against
 * nginx's {@code $request_time}; one span per failed or slow request with its times, and each server span of a
 * failed HTTP request the child of its client's span.
 */
final class LiveRequestsOtlp {

    private LiveRequestsOtlp() {}

    record Figure(long count, double sum) {
        Figure plus(Figure o) {
            return new Figure(count + o.count, sum + o.sum);
        }
    }

    static void check(OtlpReceiver receiver, List<Map<String, Object>> events, long kafkaPid, Path accessLog, LiveRequestsIT.Ports ports,
            Path monitor, Path dnsLog) throws Exception {
        assertTrue("the OTLP receiver got the request metrics", OtlpReceiver.await(
                () -> receiver.lastMetric("http.server.request.duration") != null, 20));
        System.out.println("LIVE REQUESTS OTLP: " + receiver.metricRequests().size() + " metric exports, " + receiver.spans().size()
                + " spans");

        // HTTP, both sides, against nginx's access log; sums against the requests' durations and nginx's own
        Map<String, Figure> nginx = new TreeMap<>();
        for (String line : Files.readAllLines(accessLog)) {
            String[] f = line.split(" ");
            nginx.merge(f[0] + " " + f[2], new Figure(1, Double.parseDouble(f[5])), Figure::plus);
        }
        Map<String, Figure> server = byKey(receiver.histogram("http.server.request.duration"), port(ports.http()),
                a -> a.get("http.request.method") + " " + a.get("http.response.status_code"));
        Map<String, Figure> client = byKey(receiver.histogram("http.client.request.duration"), port(ports.http()),
                a -> a.get("http.request.method") + " " + a.get("http.response.status_code"));
        Map<String, Figure> serverEvents = byEvent(LiveRequestsIT.select(events, "http", ports.http(), true,
                e -> LiveRequestsIT.comm(e).startsWith("nginx")), e -> LiveRequestsIT.attrs(e).get("http_method") + " "
                        + LiveRequestsIT.num(e, "http_status_code"));
        System.out.println("LIVE REQUESTS OTLP http.server.request.duration " + server + "; nginx " + nginx);
        assertEquals("http.server.request.duration counts by method and status vs nginx's access log", counts(nginx), counts(server));
        assertEquals("http.client.request.duration counts vs nginx's access log", counts(nginx), counts(client));
        assertSums("http.server.request.duration sums vs the server-side requests' durations", serverEvents, server);
        double probeTotal = server.values().stream().mapToDouble(Figure::sum).sum();
        double nginxTotal = nginx.values().stream().mapToDouble(Figure::sum).sum();
        long n = nginx.values().stream().mapToLong(Figure::count).sum();
        System.out.println("LIVE REQUESTS OTLP http server time: probe " + probeTotal + " s, nginx $request_time " + nginxTotal
                + " s, " + n + " requests");
        // nginx's $request_time runs from the request's first read to the log line after the last write, printed in
        // milliseconds; the probe's from the first read's exit to the last write's exit
        assertTrue("probe " + probeTotal + " s vs nginx " + nginxTotal + " s", Math.abs(probeTotal - nginxTotal) <= n * 0.002);

        // Redis on the client side, per command, against MONITOR
        Map<String, Long> monitored = new TreeMap<>();
        Pattern p = Pattern.compile("^\\d+\\.\\d+ \\[\\d+ [^\\]]+\\] \"([^\"]+)\"");
        for (String line : Files.readAllLines(monitor)) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                monitored.merge(m.group(1).toUpperCase(Locale.ROOT), 1L, Long::sum);
            }
        }
        Map<String, Figure> redis = byKey(receiver.histogram("db.client.operation.duration"),
                port(ports.redis()).and(a -> "redis".equals(a.get("db.system.name")) && !"MONITOR".equals(a.get("db.operation.name"))),
                a -> a.get("db.operation.name"));
        assertEquals("db.client.operation.duration (redis) by db.operation.name vs MONITOR", monitored, counts(redis));
        Map<String, Figure> redisErrors = byKey(receiver.histogram("db.client.operation.duration"),
                port(ports.redis()).and(a -> a.get("error.type") != null), a -> a.get("db.operation.name") + " "
                        + a.get("db.response.status_code") + " " + a.get("error.type"));
        assertEquals(Map.of("INCR ERR ERR", 1L), counts(redisErrors));

        // DNS on the client side, per name, against dnsmasq's query log
        Map<String, Long> queried = new TreeMap<>();
        Pattern q = Pattern.compile("query\\[A\\] (\\S+) from 127\\.0\\.0\\.1");
        for (String line : Files.readAllLines(dnsLog)) {
            Matcher m = q.matcher(line);
            if (m.find()) {
                queried.merge(m.group(1) + (m.group(1).endsWith("nx.test") ? " NXDOMAIN" : " null"), 1L, Long::sum);
            }
        }
        Map<String, Figure> dns = byKey(receiver.histogram("dns.lookup.duration"), port(ports.dns()),
                a -> a.get("dns.question.name") + " " + a.get("error.type"));
        assertEquals("dns.lookup.duration by dns.question.name and error.type vs dnsmasq's log", queried, counts(dns));

        // SQL on the client side, per operation and with the one error, against the requests of the same run
        for (String protocol : List.of("mysql", "pgsql")) {
            int port = protocol.equals("mysql") ? ports.mysql() : ports.pgsql();
            String system = protocol.equals("mysql") ? "mysql" : "postgresql";
            Map<String, Figure> sql = byKey(receiver.histogram("db.client.operation.duration"),
                    port(port).and(a -> system.equals(a.get("db.system.name"))),
                    a -> a.get("db.operation.name") + (a.get("error.type") == null ? "" : " " + a.get("error.type")));
            Map<String, Figure> expected = byEvent(LiveRequestsIT.select(events, protocol, port, false, e -> true), e -> {
                String key = String.valueOf(LiveRequestsIT.attrs(e).get("content_key"));
                Object code = LiveRequestsIT.attrs(e).get("sql_error_code");
                return (key.indexOf(' ') < 0 ? key : key.substring(0, key.indexOf(' '))) + (code == null ? "" : " " + code);
            });
            System.out.println("LIVE REQUESTS OTLP db.client.operation.duration " + system + " " + sql);
            assertEquals("db.client.operation.duration (" + system + ") vs the client-side requests", counts(expected), counts(sql));
            assertSums("db.client.operation.duration (" + system + ") sums", expected, sql);
            assertEquals(1L, counts(sql).entrySet().stream().filter(e -> e.getKey().endsWith(protocol.equals("mysql") ? " 1146" : " 42P01"))
                    .mapToLong(Map.Entry::getValue).sum());
        }

        // the server sides of Redis, DNS, MySQL and PostgreSQL: kindling.request.duration
        for (Map.Entry<String, Integer> e : Map.of("redis", ports.redis(), "dns", ports.dns(), "mysql", ports.mysql(), "pgsql",
                ports.pgsql()).entrySet()) {
            long seen = byKey(receiver.histogram("kindling.request.duration"), port(e.getValue()).and(a -> "server".equals(
                    a.get("kindling.role")) && e.getKey().equals(a.get("kindling.protocol"))), a -> "all").values().stream()
                    .mapToLong(Figure::count).sum();
            assertEquals("kindling.request.duration, server side of " + e.getKey(), LiveRequestsIT.select(events, e.getKey(),
                    e.getValue(), true, x -> true).size(), seen);
        }

        // spans: every failed or slow request (the default sampling) of the test's own servers, glibc's resolver's
        // dnsmasq (port 53, whose A and AAAA queries run at once on one UDP socket: paired by query id) and Kafka host (a
        // live capture also sees other tests' traffic), with the request's times
        java.util.Set<Long> own = java.util.Set.of((long) ports.http(), (long) ports.redis(), (long) ports.dns(),
                (long) ports.mysql(), (long) ports.pgsql(), 53L);
        List<String> expectedSpans = new ArrayList<>();
        for (Map<String, Object> e : events) {
            Map<String, Object> a = LiveRequestsIT.attrs(e);
            if (!(own.contains((long) LiveRequestsIT.dport(e)) || LiveRequestsIT.pid(e) == kafkaPid)) {
                continue;
            }
            if (Boolean.TRUE.equals(a.get("is_error")) || Boolean.TRUE.equals(a.get("is_slow"))) {
                long end = ((Number) e.get("timestamp")).longValue();
                expectedSpans.add((Boolean.TRUE.equals(a.get("is_server")) ? "SERVER " : "CLIENT ") + (end
                        - LiveRequestsIT.num(e, "request_total_time")) + " " + end);
            }
        }
        List<String> spans = new ArrayList<>();
        Map<String, Span> byId = new HashMap<>();
        for (OtlpReceiver.Received r : receiver.spans()) {
            Span s = r.span();
            if (!(own.contains(number(r.attribute("server.port")))
                    || kafkaPid == number(r.attribute("process.pid")))) {
                continue;
            }
            spans.add((s.getKind() == Span.SpanKind.SPAN_KIND_SERVER ? "SERVER " : "CLIENT ") + s.getStartTimeUnixNano() + " "
                    + s.getEndTimeUnixNano());
            byId.put(HexFormat.of().formatHex(s.getSpanId().toByteArray()), s);
            assertEquals("kindling-probe", OtlpReceiver.attributes(r.resource().getAttributesList()).get("service.name"));
        }
        assertEquals("one span per failed or slow request, with its times", LiveRequestsIT.sorted(expectedSpans),
                LiveRequestsIT.sorted(spans));
        int joined = 0;
        int nginxErrors = 0;
        for (OtlpReceiver.Received r : receiver.spans()) {
            Span s = r.span();
            if (s.getKind() == Span.SpanKind.SPAN_KIND_SERVER && String.valueOf(ports.http()).equals(r.attribute("server.port"))) {
                nginxErrors++;
                Span parent = byId.get(HexFormat.of().formatHex(s.getParentSpanId().toByteArray()));
                assertNotNull("the client span of " + s.getName(), parent);
                assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, parent.getKind());
                assertEquals(s.getTraceId(), parent.getTraceId());
                assertTrue(parent.getStartTimeUnixNano() <= s.getStartTimeUnixNano() && s.getEndTimeUnixNano() <= parent.getEndTimeUnixNano());
                joined++;
            }
        }
        System.out.println("LIVE REQUESTS OTLP spans " + spans.size() + " (expected " + expectedSpans.size() + "), nginx error server "
                + "spans " + nginxErrors + ", each the child of its curl client span: " + joined);
        long logged = nginx.entrySet().stream().filter(e -> Integer.parseInt(e.getKey().split(" ")[1]) >= 400)
                .mapToLong(e -> e.getValue().count()).sum();
        assertEquals("a server span for each error in nginx's access log (404, 503, 405)", logged, nginxErrors);

        // the probe's own figures came along
        assertTrue(receiver.sum("kindling.probe.events.read").values().stream().anyMatch(v -> v > 0));
        System.out.println("LIVE REQUESTS OTLP kindling.probe.sink.events " + receiver.sum("kindling.probe.sink.events")
                + "; kindling.otlp.spans " + receiver.sum("kindling.otlp.spans"));
    }

    static Predicate<Map<String, String>> port(int port) {
        return a -> String.valueOf(port).equals(a.get("server.port"));
    }

    static Map<String, Figure> byKey(Map<Map<String, String>, HistogramDataPoint> points, Predicate<Map<String, String>> filter,
            java.util.function.Function<Map<String, String>, String> key) {
        Map<String, Figure> m = new TreeMap<>();
        points.forEach((a, p) -> {
            if (filter.test(a)) {
                m.merge(key.apply(a), new Figure(p.getCount(), p.getSum()), Figure::plus);
            }
        });
        return m;
    }

    static Map<String, Figure> byEvent(List<Map<String, Object>> events, java.util.function.Function<Map<String, Object>, String> key) {
        Map<String, Figure> m = new TreeMap<>();
        for (Map<String, Object> e : events) {
            m.merge(key.apply(e), new Figure(1, LiveRequestsIT.num(e, "request_total_time") / 1e9), Figure::plus);
        }
        return m;
    }

    static Map<String, Long> counts(Map<String, Figure> m) {
        Map<String, Long> c = new TreeMap<>();
        m.forEach((k, v) -> c.put(k, v.count()));
        return c;
    }

    static void assertSums(String what, Map<String, Figure> expected, Map<String, Figure> got) {
        assertEquals(what, expected.keySet(), got.keySet());
        expected.forEach((k, v) -> assertEquals(what + ": " + k, v.sum(), got.get(k).sum(), 1e-6));
    }

    /** An attribute's number, -1 where it has none. */
    private static long number(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

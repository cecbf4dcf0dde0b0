package io.kindling.probe.itests;

import static io.kindling.probe.itests.LiveRequestsIT.attrs;
import static io.kindling.probe.itests.LiveRequestsIT.num;
import static io.kindling.probe.itests.LiveRequestsOtlp.byEvent;
import static io.kindling.probe.itests.LiveRequestsOtlp.byKey;
import static io.kindling.probe.itests.LiveRequestsOtlp.counts;
import static io.kindling.probe.itests.LiveRequestsOtlp.port;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.itests.LiveRequestsOtlp.Figure;
import io.kindling.probe.sink.otlp.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the OTLP sink sent during {@link LiveHttp2IT}'s run, decoded by the test's receiver: HTTP/2 requests as
 * {@code http.server/client.request.duration} with {@code network.protocol.version} 2, against nginx's access log and
 * the requests the jsonl sink received; gRPC calls as {@code rpc.server/client.call.duration} by method and status
 * code against the gRPC server's and client's own logs; a span for each failed or slow request (and for the other
 * side of one, which it forces); the spans of the failed calls named {@code service/method},
 * the server's NOT_FOUND not its own error but the client's, and the server span the child of the client's.
 */
final class LiveHttp2Otlp {

    private LiveHttp2Otlp() {}

    static void check(OtlpReceiver receiver, List<Map<String, Object>> events, Path accessLog, int h2c, List<String> serverLog,
            List<String> clientLog, int grpc) throws Exception {
        assertTrue("the OTLP receiver got the rpc metrics", OtlpReceiver.await(
                () -> receiver.lastMetric("rpc.server.call.duration") != null && receiver.lastMetric("rpc.client.call.duration") != null,
                20));
        // HTTP/2, both sides: every request of nginx's log, as version 2, by method and status as the events say
        int logged = Files.readAllLines(accessLog).size();
        for (boolean server : List.of(true, false)) {
            String metric = server ? "http.server.request.duration" : "http.client.request.duration";
            Map<String, Figure> points = byKey(receiver.histogram(metric), port(h2c), a -> a.get("http.request.method") + " "
                    + a.get("http.response.status_code") + " " + a.get("network.protocol.version"));
            Map<String, Figure> expected = byEvent(LiveRequestsIT.select(events, "http2", h2c, server, e -> true),
                    e -> named(e, "http_method") + " " + named(e, "http_status_code") + " 2");
            System.out.println("LIVE HTTP2 OTLP " + metric + " " + counts(points));
            assertEquals(metric + " by method, status and version vs the requests", counts(expected), counts(points));
            LiveRequestsOtlp.assertSums(metric + " sums vs the requests' durations", expected, points);
            assertEquals(metric + ": every request of nginx's access log", logged, points.values().stream().mapToLong(Figure::count).sum());
        }

        // gRPC, both sides: rpc.*.call.duration by method and status code; calls whose headers went unseen are http2 there
        Map<String, Integer> codes = new HashMap<>();
        for (int i = 0; i < LiveHttp2IT.GRPC_CODES.length; i++) {
            codes.put(LiveHttp2IT.GRPC_CODES[i], i);
        }
        for (boolean server : List.of(true, false)) {
            String metric = server ? "rpc.server.call.duration" : "rpc.client.call.duration";
            Map<String, Figure> points = byKey(receiver.histogram(metric), port(grpc), a -> a.get("rpc.system") + " "
                    + a.get("rpc.service") + " " + a.get("rpc.method") + " " + a.get("rpc.grpc.status_code"));
            List<Map<String, Object>> calls = LiveRequestsIT.select(events, "grpc", grpc, server, e -> true);
            Map<String, Figure> expected = byEvent(calls, e -> "grpc " + named(e, "grpc_service") + " " + named(e, "grpc_method") + " "
                    + (attrs(e).get("grpc_status") == null || num(e, "grpc_status") < 0 ? "null" : num(e, "grpc_status")));
            System.out.println("LIVE HTTP2 OTLP " + metric + " " + counts(points));
            assertEquals(metric + " vs the calls", counts(expected), counts(points));
            LiveRequestsOtlp.assertSums(metric + " sums vs the calls' durations", expected, points);
            // against the program's own log: each named call with its status is a logged one; all calls are there
            Map<String, Long> log = new TreeMap<>();
            for (String line : server ? serverLog : clientLog) {
                String[] f = line.split(" ");
                String method = server ? f[0] : f[1];
                String status = server ? f[1] : f[2];
                // a call the server saw cancelled, or the client gave up on, has no status on the wire
                boolean answered = codes.containsKey(status) && !status.equals("CANCELLED") && !status.equals("DEADLINE_EXCEEDED");
                log.merge(method + " " + (answered ? codes.get(status) : "null"), 1L, Long::sum);
            }
            Map<String, Long> named = new TreeMap<>();
            points.forEach((k, v) -> {
                String[] f = k.split(" ");
                if (!f[2].equals("null") && !f[3].equals("null")) {
                    named.merge(f[2] + " " + f[3], v.count(), Long::sum);
                }
            });
            named.forEach((k, n) -> assertTrue(metric + ": " + n + " x " + k + " vs the log " + log, n <= log.getOrDefault(k, 0L)));
            long unnamedHttp2 = byKey(receiver.histogram(server ? "http.server.request.duration" : "http.client.request.duration"),
                    port(grpc), a -> "all").values().stream().mapToLong(Figure::count).sum();
            long all = points.values().stream().mapToLong(Figure::count).sum() + unnamedHttp2;
            System.out.println("LIVE HTTP2 OTLP " + metric + ": named " + named + ", log " + log + ", all " + all);
            assertEquals(metric + " (and http2 calls whose content type went unseen): every call of the log",
                    log.values().stream().mapToLong(Long::longValue).sum(), all);
            if (!server) {
                // seen whole on the client's new connection (LiveHttp2IT checks it there); the server side may have
                // missed its headers
                assertTrue(metric + ": the NOT_FOUND call by name", named.getOrDefault("Say 5", 0L) >= 1);
            }
        }

        // spans: one per failed or slow request, with its times; the NOT_FOUND call's pair named service/method
        List<String> expectedSpans = new ArrayList<>();
        for (Map<String, Object> e : events) {
            Map<String, Object> a = attrs(e);
            if (Boolean.TRUE.equals(a.get("is_error")) || Boolean.TRUE.equals(a.get("is_slow"))) {
                long end = ((Number) e.get("timestamp")).longValue();
                expectedSpans.add((Boolean.TRUE.equals(a.get("is_server")) ? "SERVER " : "CLIENT ") + (end - num(e, "request_total_time"))
                        + " " + end);
            }
        }
        List<String> spans = new ArrayList<>();
        Map<String, Span> byId = new HashMap<>();
        List<OtlpReceiver.Received> notFound = new ArrayList<>();
        for (OtlpReceiver.Received r : receiver.spans()) {
            Span s = r.span();
            spans.add((s.getKind() == Span.SpanKind.SPAN_KIND_SERVER ? "SERVER " : "CLIENT ") + s.getStartTimeUnixNano() + " "
                    + s.getEndTimeUnixNano());
            byId.put(HexFormat.of().formatHex(s.getSpanId().toByteArray()), s);
            if (s.getName().equals("demo.Echo/Say") && "5".equals(r.attribute("rpc.grpc.status_code"))) {
                notFound.add(r);
            }
        }
        // every failed or slow request has its span; any other is the other side of a sampled one, which it forced
        List<Span> others = new ArrayList<>();
        List<String> missing = new ArrayList<>(expectedSpans);
        for (OtlpReceiver.Received r : receiver.spans()) {
            Span s = r.span();
            if (!missing.remove((s.getKind() == Span.SpanKind.SPAN_KIND_SERVER ? "SERVER " : "CLIENT ") + s.getStartTimeUnixNano() + " "
                    + s.getEndTimeUnixNano())) {
                others.add(s);
            }
        }
        assertEquals("a span for each failed or slow request, with its times", List.of(), missing);
        for (Span s : others) {
            boolean paired = s.getKind() == Span.SpanKind.SPAN_KIND_SERVER
                    ? byId.containsKey(HexFormat.of().formatHex(s.getParentSpanId().toByteArray()))
                    : receiver.spans().stream().anyMatch(c -> c.span().getParentSpanId().equals(s.getSpanId()));
            assertTrue("a span of a request neither failed nor slow is the other side of a sampled one: " + s.getName(), paired);
        }
        OtlpReceiver.Received clientSpan = notFound.stream().filter(r -> r.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                .findFirst().orElse(null);
        assertNotNull("the NOT_FOUND call's client span: " + spans, clientSpan);
        assertEquals("grpc", clientSpan.attribute("rpc.system"));
        assertEquals("demo.Echo", clientSpan.attribute("rpc.service"));
        assertEquals("Say", clientSpan.attribute("rpc.method"));
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, clientSpan.span().getStatus().getCode());
        assertEquals("NOT_FOUND", clientSpan.span().getStatus().getMessage());
        // the server side, where its headers were seen: the client's error, not the server's; the client span its parent
        for (OtlpReceiver.Received serverSpan : notFound) {
            if (serverSpan.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER) {
                assertEquals(Status.StatusCode.STATUS_CODE_UNSET, serverSpan.span().getStatus().getCode());
                Span parent = byId.get(HexFormat.of().formatHex(serverSpan.span().getParentSpanId().toByteArray()));
                assertNotNull("the server span's parent", parent);
                assertEquals(Span.SpanKind.SPAN_KIND_CLIENT, parent.getKind());
                assertEquals(serverSpan.span().getTraceId(), parent.getTraceId());
            }
        }
        System.out.println("LIVE HTTP2 OTLP spans " + spans.size() + " (failed or slow " + expectedSpans.size() + ", the other side "
                + "of one " + others.size() + "); NOT_FOUND spans " + notFound.size());
    }

    private static String named(Map<String, Object> e, String key) {
        Object v = attrs(e).get(key);
        return v == null || v.toString().isEmpty() ? "null" : v.toString();
    }
}

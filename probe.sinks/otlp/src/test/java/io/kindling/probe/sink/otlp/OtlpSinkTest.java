package io.kindling.probe.sink.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.sink.otlp.OtlpReceiver.Received;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The OTLP sink against a receiver over real HTTP that decodes the wire with the official protocol classes:
 * metric names, attributes, buckets, sums; spans, their ids, kinds, times and parents; sampling; bounded
 * series; a receiver that goes away and comes back; configurations refused.
 */
class OtlpSinkTest {

    static final long MS = 1_000_000L;
    static final long T0 = 1_780_000_000_000_000_000L;

    static HttpSenderProvider jdkSender() {
        return ServiceLoader.load(HttpSenderProvider.class).findFirst().orElseThrow();
    }

    @Test
    void requestsArriveAsSemanticConventionMetricsAndSpans() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint() + "/", "export.interval.ms", 200,
                    "compression", "gzip", "headers", new String[] {"x-tenant=probe-tests"}, "host.name", "node-1",
                    "resource.attributes", new String[] {"deployment.environment.name=test"})), jdkSender());
            try {
                long end = T0;
                // three good requests on one keep-alive connection, then a 503: server side first, as the probe sees them
                for (int i = 0; i < 3; i++) {
                    end += 10 * MS;
                    sink.deliver(Requests.http(true, 40000, end - MS, 3 * MS, "GET", "/users/" + i, "/users/*", 200));
                    sink.deliver(Requests.http(false, 40000, end, 5 * MS, "GET", "/users/" + i, "/users/*", 200));
                }
                end += 10 * MS;
                sink.deliver(Requests.http(true, 40000, end - MS, 2 * MS, "GET", "/status/x", "/status/*", 503));
                sink.deliver(Requests.http(false, 40000, end, 4 * MS, "GET", "/status/x", "/status/*", 503));
                sink.deliver(Requests.request("mysql", false, "127.0.0.1", 40100, "127.0.0.1", 3306, end, 7 * MS, "SELECT nosuch",
                        true, "NoError", Map.of("sql", "SELECT * FROM nosuch WHERE id = ?", "sql_error_code", 1146)));
                sink.deliver(Requests.request("dns", false, "127.0.0.1", 40200, "127.0.0.1", 53, end, 1 * MS, "nx.test", true,
                        "NoError", Map.of("dns_domain", "nx.test", "dns_rcode", 3, "dns_id", 7)));
                sink.deliver(Requests.request("redis", true, "10.1.2.3", 40300, "127.0.0.1", 6379, end, MS / 2, "GET", false,
                        "NoError", Map.of("redis_command", "GET")));
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.histogram("kindling.request.duration").size() == 1
                        && receiver.spans().size() == 4, 20), "metrics and spans arrive: " + receiver.spans().size());

                Map<Map<String, String>, HistogramDataPoint> server = receiver.histogram("http.server.request.duration");
                HistogramDataPoint ok = server.get(Map.of("http.request.method", "GET", "http.response.status_code", "200",
                        "http.route", "/users/*", "network.peer.address", "127.0.0.1", "server.address", "127.0.0.1",
                        "server.port", "8080"));
                assertNotNull(ok, "the 200s of the server side: " + server.keySet());
                assertEquals(3, ok.getCount());
                assertEquals(0.009, ok.getSum(), 1e-9);
                assertEquals(Semconv.HTTP_BUCKETS, ok.getExplicitBoundsList());
                HistogramDataPoint failed = server.get(Map.of("http.request.method", "GET", "http.response.status_code", "503",
                        "http.route", "/status/*", "error.type", "503", "network.peer.address", "127.0.0.1", "server.address",
                        "127.0.0.1", "server.port", "8080"));
                assertNotNull(failed, "the 503 with its error.type: " + server.keySet());
                assertEquals(1, failed.getCount());
                assertEquals("s", receiver.lastMetric("http.server.request.duration").getUnit());
                assertEquals(4, receiver.histogram("http.client.request.duration").values().stream()
                        .mapToLong(HistogramDataPoint::getCount).sum());

                Map<String, String> db = receiver.histogram("db.client.operation.duration").keySet().iterator().next();
                assertEquals("mysql", db.get("db.system.name"));
                assertEquals("SELECT", db.get("db.operation.name"));
                assertEquals("nosuch", db.get("db.collection.name"));
                assertEquals("1146", db.get("db.response.status_code"));
                assertEquals("1146", db.get("error.type"));
                assertEquals(Semconv.DB_BUCKETS, receiver.histogram("db.client.operation.duration").values().iterator().next()
                        .getExplicitBoundsList());
                Map<String, String> dns = receiver.histogram("dns.lookup.duration").keySet().iterator().next();
                assertEquals(Map.of("dns.question.name", "nx.test", "error.type", "NXDOMAIN", "server.address", "127.0.0.1",
                        "server.port", "53"), dns);
                Map<String, String> redis = receiver.histogram("kindling.request.duration").keySet().iterator().next();
                assertEquals("redis", redis.get("kindling.protocol"));
                assertEquals("server", redis.get("kindling.role"));
                assertEquals("10.1.2.3", redis.get("network.peer.address"));

                Map<String, String> resource = OtlpReceiver.attributes(receiver.lastMetricResource().getAttributesList());
                assertEquals("kindling-probe", resource.get("service.name"));
                assertEquals("node-1", resource.get("host.name"));
                assertEquals("test", resource.get("deployment.environment.name"));
                assertTrue(receiver.gzipped() > 0, "gzip compression");
                assertEquals("probe-tests", receiver.header("x-tenant"));

                // spans: only the failed requests (slow and failed by default, 0 % of the rest)
                List<Received> spans = receiver.spans();
                Received serverSpan = only(spans, Span.SpanKind.SPAN_KIND_SERVER, "GET /status/*");
                Received clientSpan = only(spans, Span.SpanKind.SPAN_KIND_CLIENT, "GET /status/*");
                assertEquals(clientSpan.span().getTraceId(), serverSpan.span().getTraceId(), "one trace");
                assertEquals(clientSpan.span().getSpanId(), serverSpan.span().getParentSpanId(), "the client span is the parent");
                assertTrue(clientSpan.span().getParentSpanId().isEmpty());
                assertEquals(end - MS - 2 * MS, serverSpan.span().getStartTimeUnixNano());
                assertEquals(end - MS, serverSpan.span().getEndTimeUnixNano());
                assertEquals(Status.StatusCode.STATUS_CODE_ERROR, serverSpan.span().getStatus().getCode());
                assertEquals("503", serverSpan.attribute("http.response.status_code"));
                assertEquals("/status/x", serverSpan.attribute("url.path"));
                assertEquals("40000", serverSpan.attribute("client.port"));
                assertEquals("kindling-probe", OtlpReceiver.attributes(serverSpan.resource().getAttributesList()).get("service.name"));
                Received sql = only(spans, Span.SpanKind.SPAN_KIND_CLIENT, "SELECT nosuch");
                assertEquals("SELECT * FROM nosuch WHERE id = ?", sql.attribute("db.query.text"));
                only(spans, Span.SpanKind.SPAN_KIND_CLIENT, "DNS nx.test");
                assertEquals(Map.of("requests", 11L, "spans.sampled", 4L, "spans.joined", 1L), Map.of("requests",
                        sink.statistics().get("requests"), "spans.sampled", sink.statistics().get("spans.sampled"), "spans.joined",
                        sink.statistics().get("spans.joined")));
            } finally {
                sink.deactivate();
            }
            assertTrue(receiver.refused().isEmpty(), receiver.refused().toString());
        }
    }

    @Test
    void http2RequestsAreHttpMetricsOfVersion2AndGrpcCallsAreRpcMetricsAndSpans() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200)),
                    jdkSender());
            try {
                sink.deliver(Requests.request("http2", true, "127.0.0.1", 44000, "127.0.0.1", 8443, T0, 2 * MS, "/index.html", false,
                        "NoError", Map.of("http_method", "GET", "http_url", "/index.html", "http_status_code", 200)));
                sink.deliver(Requests.request("http2", false, "127.0.0.1", 44000, "127.0.0.1", 8443, T0 + MS, 3 * MS, "/index.html",
                        false, "NoError", Map.of("http_method", "GET", "http_url", "/index.html", "http_status_code", 200)));
                // a call answered OK, and one answered NOT_FOUND: the server's answer, the client's error
                for (int status : new int[] {0, 5}) {
                    Map<String, Object> call = Map.of("http_method", "POST", "http_url", "/demo.Echo/Say", "http_status_code", 200,
                            "grpc_service", "demo.Echo", "grpc_method", "Say", "grpc_status", status);
                    long end = T0 + (10 + 10 * status) * MS;
                    sink.deliver(Requests.request("grpc", true, "127.0.0.1", 44001, "127.0.0.1", 50051, end - MS, MS,
                            "/demo.Echo/Say", status != 0, "NoError", call));
                    sink.deliver(Requests.request("grpc", false, "127.0.0.1", 44001, "127.0.0.1", 50051, end, 3 * MS,
                            "/demo.Echo/Say", status != 0, "NoError", call));
                }
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.histogram("rpc.client.call.duration").size() == 2
                        && receiver.spans().size() == 2, 20), "metrics and spans arrive: " + receiver.spans().size());
                assertEquals(Map.of("http.request.method", "GET", "http.response.status_code", "200", "http.route", "/index.html",
                        "network.peer.address", "127.0.0.1", "network.protocol.version", "2", "server.address", "127.0.0.1",
                        "server.port", "8443"), receiver.histogram("http.server.request.duration").keySet().iterator().next());
                assertEquals("2", receiver.histogram("http.client.request.duration").keySet().iterator().next()
                        .get("network.protocol.version"));
                Map<String, String> place = Map.of("network.peer.address", "127.0.0.1", "server.address", "127.0.0.1",
                        "server.port", "50051", "rpc.system", "grpc", "rpc.service", "demo.Echo", "rpc.method", "Say");
                Map<Map<String, String>, HistogramDataPoint> server = receiver.histogram("rpc.server.call.duration");
                Map<String, String> ok = new java.util.HashMap<>(place);
                ok.put("rpc.grpc.status_code", "0");
                Map<String, String> notFound = new java.util.HashMap<>(place);
                notFound.put("rpc.grpc.status_code", "5");
                assertEquals(java.util.Set.of(ok, notFound), server.keySet(), "a server's NOT_FOUND is no error.type of its own");
                assertEquals(0.001, server.get(ok).getSum(), 1e-9);
                assertEquals("s", receiver.lastMetric("rpc.server.call.duration").getUnit());
                assertEquals(Semconv.HTTP_BUCKETS, server.get(ok).getExplicitBoundsList());
                Map<Map<String, String>, HistogramDataPoint> client = receiver.histogram("rpc.client.call.duration");
                Map<String, String> clientFailed = new java.util.HashMap<>(notFound);
                clientFailed.put("error.type", "NOT_FOUND");
                assertEquals(java.util.Set.of(ok, clientFailed), client.keySet());
                assertEquals(0.003, client.get(clientFailed).getSum(), 1e-9);

                // the failed call's spans: service/method, the status code; the client's error, the server's child of it
                Received serverSpan = only(receiver.spans(), Span.SpanKind.SPAN_KIND_SERVER, "demo.Echo/Say");
                Received clientSpan = only(receiver.spans(), Span.SpanKind.SPAN_KIND_CLIENT, "demo.Echo/Say");
                assertEquals("5", serverSpan.attribute("rpc.grpc.status_code"));
                assertEquals("grpc", serverSpan.attribute("rpc.system"));
                assertEquals("demo.Echo", clientSpan.attribute("rpc.service"));
                assertEquals("Say", clientSpan.attribute("rpc.method"));
                assertEquals(Status.StatusCode.STATUS_CODE_UNSET, serverSpan.span().getStatus().getCode());
                assertEquals(Status.StatusCode.STATUS_CODE_ERROR, clientSpan.span().getStatus().getCode());
                assertEquals("NOT_FOUND", clientSpan.span().getStatus().getMessage());
                assertEquals(clientSpan.span().getSpanId(), serverSpan.span().getParentSpanId());
            } finally {
                sink.deactivate();
            }
        }
    }

    @Test
    void everySampledRequestPairsWithItsOtherSideWhicheverComesFirst() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200,
                    "span.sample.rate", 1.0)), jdkSender());
            try {
                // client first on one connection, server first on another; a third where the client is remote
                sink.deliver(Requests.http(false, 41000, T0 + 10 * MS, 5 * MS, "POST", "/a", "/a", 201));
                sink.deliver(Requests.http(true, 41000, T0 + 9 * MS, 3 * MS, "POST", "/a", "/a", 201));
                sink.deliver(Requests.http(true, 41001, T0 + 19 * MS, 3 * MS, "GET", "/b", "/b", 200));
                sink.deliver(Requests.http(false, 41001, T0 + 20 * MS, 5 * MS, "GET", "/b", "/b", 200));
                sink.deliver(Requests.request("http", true, "192.0.2.7", 41002, "127.0.0.1", 8080, T0 + 30 * MS, 2 * MS, "/c",
                        false, "NoError", Map.of("http_method", "GET", "http_status_code", 200)));
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.spans().size() == 5, 20));
                for (String route : List.of("POST /a", "GET /b")) {
                    Received s = only(receiver.spans(), Span.SpanKind.SPAN_KIND_SERVER, route);
                    Received c = only(receiver.spans(), Span.SpanKind.SPAN_KIND_CLIENT, route);
                    assertEquals(c.span().getTraceId(), s.span().getTraceId(), route);
                    assertEquals(c.span().getSpanId(), s.span().getParentSpanId(), route);
                    assertEquals(16, s.span().getTraceId().size());
                    assertFalse(HexFormat.of().formatHex(s.span().getTraceId().toByteArray()).equals("0".repeat(32)));
                }
                Received remote = only(receiver.spans(), Span.SpanKind.SPAN_KIND_SERVER, "GET /c");
                assertTrue(remote.span().getParentSpanId().isEmpty(), "a remote client: no parent named that cannot come");
                assertEquals(2L, sink.statistics().get("spans.joined"));
            } finally {
                sink.deactivate();
            }
        }
    }

    @Test
    void onAnHttp2ConnectionOnlyTheSameCallIsTheOtherSide() throws Exception {
        // one connection, two streams at once: a 404 the server answers first, and a 200 whose times hold it too
        Map<String, Object> missing = Map.of("http_method", "GET", "http_url", "/missing", "http_status_code", 404);
        onlyTheSameExchangePairs("GET /missing",
                Requests.request("http2", true, "127.0.0.1", 45000, "127.0.0.1", 8443, T0 + 3 * MS, MS, "/missing", true, "NoError", missing),
                Requests.request("http2", false, "127.0.0.1", 45000, "127.0.0.1", 8443, T0 + 5 * MS, 4 * MS, "/index.html", false,
                        "NoError", Map.of("http_method", "GET", "http_url", "/index.html", "http_status_code", 200)),
                Requests.request("http2", false, "127.0.0.1", 45000, "127.0.0.1", 8443, T0 + 4 * MS, 3 * MS, "/missing", true, "NoError",
                        missing));
    }

    @Test
    void onOneDnsSocketOnlyTheQueryOfTheSameIdIsTheOtherSide() throws Exception {
        // glibc's resolver: the A and the AAAA query of one name at once on one UDP socket; the AAAA is refused, its
        // server side answered inside the A's client times
        Map<String, Object> refused = Map.of("dns_domain", "example.test", "dns_id", 2, "dns_rcode", 5);
        onlyTheSameExchangePairs("DNS example.test",
                Requests.request("dns", true, "127.0.0.1", 45000, "127.0.0.1", 53, T0 + 3 * MS, MS, "example.test", true, "NoError",
                        refused),
                Requests.request("dns", false, "127.0.0.1", 45000, "127.0.0.1", 53, T0 + 5 * MS, 4 * MS, "example.test", false,
                        "NoError", Map.of("dns_domain", "example.test", "dns_id", 1, "dns_rcode", 0)),
                Requests.request("dns", false, "127.0.0.1", 45000, "127.0.0.1", 53, T0 + 4 * MS, 3 * MS, "example.test", true,
                        "NoError", refused));
    }

    /**
     * A failed request's server side, then on the same connection an overlapping request that did not fail (client side),
     * then the failed request's client side, which started at T0 + 1 ms: two spans, the failed request's, parent and
     * child; the other request is no span.
     */
    private static void onlyTheSameExchangePairs(String name, io.kindling.probe.api.KindlingEvent failedServer,
            io.kindling.probe.api.KindlingEvent otherClient, io.kindling.probe.api.KindlingEvent failedClient) throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200)),
                    jdkSender());
            try {
                sink.deliver(failedServer);
                sink.deliver(otherClient);
                sink.deliver(failedClient);
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.spans().size() >= 2, 20));
                Thread.sleep(500);
                assertEquals(2, receiver.spans().size(), "the other request is no span: neither failed nor the other side of one: "
                        + receiver.spans().stream().map(r -> r.span().getKind() + " " + r.span().getStartTimeUnixNano()).toList());
                Received server = only(receiver.spans(), Span.SpanKind.SPAN_KIND_SERVER, name);
                Received client = only(receiver.spans(), Span.SpanKind.SPAN_KIND_CLIENT, name);
                assertEquals(client.span().getSpanId(), server.span().getParentSpanId());
                assertEquals(T0 + MS, client.span().getStartTimeUnixNano(), "the failed request's client side");
            } finally {
                sink.deactivate();
            }
        }
    }

    /** An apm converter's {@code apm_trace_id_event} of thread 101 of process 100 (the server of {@link Requests}). */
    static io.kindling.probe.api.KindlingEvent marker(long at, String traceId, boolean enter) {
        io.kindling.probe.api.KindlingEvent e = new io.kindling.probe.api.KindlingEvent("apm_trace_id_event",
                io.kindling.probe.api.Category.OTHER, io.kindling.probe.api.Source.SYSCALL_EXIT, at, 0,
                new io.kindling.probe.api.ThreadContext(100, 101, 0, 0, "http-nio-8080-exec-1", ""));
        e.addAttribute(io.kindling.probe.api.Attribute.ofString("trace_id", traceId));
        e.addAttribute(io.kindling.probe.api.Attribute.ofString("is_enter", enter ? "1" : "0"));
        e.addAttribute(io.kindling.probe.api.Attribute.ofString("protocol", "http"));
        e.addAttribute(io.kindling.probe.api.Attribute.ofString("url", "/orders"));
        return e;
    }

    @Test
    void theCallsAThreadMakesInAJavaAgentsTraceAreChildrenOfTheRequestItServes() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200)),
                    jdkSender());
            try {
                String w3c = "4bf92f3577b34da6a3ce929d0e0e4736";
                sink.deliver(marker(T0, w3c, true));
                // the handler's failed query on its own thread, then the request it served (neither slow nor failed)
                io.kindling.probe.api.KindlingEvent query = Requests.request("mysql", false, "127.0.0.1", 46000, "127.0.0.1", 3306,
                        T0 + 4 * MS, 2 * MS, "SELECT orders", true, "NoError", Map.of("sql_error_code", 1146));
                query.setThread(new io.kindling.probe.api.ThreadContext(100, 101, 0, 0, "http-nio-8080-exec-1", ""));
                sink.deliver(query);
                sink.deliver(Requests.request("http", true, "192.0.2.9", 46001, "127.0.0.1", 8080, T0 + 6 * MS, 7 * MS, "/orders",
                        false, "NoError", Map.of("http_method", "GET", "http_status_code", 200)));
                sink.deliver(marker(T0 + 7 * MS, w3c, false));
                // an agent id of another form, a failed request in it
                sink.deliver(marker(T0 + 10 * MS, "a1b2.55.16600000000000001", true));
                sink.deliver(Requests.request("http", true, "192.0.2.9", 46002, "127.0.0.1", 8080, T0 + 12 * MS, MS, "/orders",
                        true, "NoError", Map.of("http_method", "GET", "http_status_code", 500)));
                sink.deliver(marker(T0 + 13 * MS, "a1b2.55.16600000000000001", false));
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.spans().size() == 3, 20), "spans: " + receiver.spans().size());
                Received served = receiver.spans().stream().filter(r -> r.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER
                        && "200".equals(r.attribute("http.response.status_code"))).findFirst().orElseThrow();
                Received call = only(receiver.spans(), Span.SpanKind.SPAN_KIND_CLIENT, "SELECT orders");
                assertEquals(w3c, HexFormat.of().formatHex(served.span().getTraceId().toByteArray()), "the agent's trace id");
                assertEquals(w3c, HexFormat.of().formatHex(call.span().getTraceId().toByteArray()));
                assertEquals(served.span().getSpanId(), call.span().getParentSpanId(), "the call is the served request's child");
                assertTrue(served.span().getParentSpanId().isEmpty(), "a remote client: no parent");
                assertEquals(w3c, served.attribute("kindling.apm.trace_id"));
                assertEquals("101", served.attribute("thread.id"));
                Received failed = receiver.spans().stream().filter(r -> "500".equals(r.attribute("http.response.status_code")))
                        .findFirst().orElseThrow();
                assertEquals(ApmTraces.traceId("a1b2.55.16600000000000001"), HexFormat.of().formatHex(failed.span().getTraceId()
                        .toByteArray()));
                assertEquals("a1b2.55.16600000000000001", failed.attribute("kindling.apm.trace_id"));
                assertEquals(Map.of("apm.markers", 4L, "spans.apm_joined", 3L), Map.of("apm.markers", sink.statistics().get("apm.markers"),
                        "spans.apm_joined", sink.statistics().get("spans.apm_joined")));
            } finally {
                sink.deactivate();
            }
        }
    }

    @Test
    void requestsInAKubernetesContainerCarryItsNamesAsTheSemanticConventionsDo() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200)),
                    jdkSender());
            try {
                KindlingEvent e = Requests.http(true, 42000, T0, MS, "GET", "/fail", "/fail", 503);
                KindlingEvent inPod = new KindlingEvent(e.name(), e.category(), e.source(), e.timestamp(), e.latency(),
                        new ThreadContext(100, 101, 0, 0, "nginx", "cccccccccccc"));
                inPod.setFd(e.fd());
                e.attributes().forEach(inPod::addAttribute);
                inPod.setContainer(new ContainerContext("cccccccccccc", "k8s_web_web-0_shop_u-1_0", "nginx:1", "web-0", "shop", "u-1",
                        "web"));
                sink.deliver(inPod);
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.histogram("http.server.request.duration").size() == 1
                        && receiver.spans().size() == 1, 20), "metric and span arrive");
                Map<String, String> point = receiver.histogram("http.server.request.duration").keySet().iterator().next();
                Received span = receiver.spans().get(0);
                for (Map.Entry<String, String> a : Map.of("container.id", "cccccccccccc", "container.name", "k8s_web_web-0_shop_u-1_0",
                        "k8s.pod.name", "web-0", "k8s.namespace.name", "shop", "k8s.container.name", "web").entrySet()) {
                    assertEquals(a.getValue(), point.get(a.getKey()), a.getKey() + " of the metric: " + point);
                    assertEquals(a.getValue(), span.attribute(a.getKey()), a.getKey() + " of the span");
                }
            } finally {
                sink.deactivate();
            }
        }
    }

    @Test
    void seriesAreBoundedAsThePrometheusSinkBoundsThem() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200,
                    "max.series", 2)), jdkSender());
            try {
                for (int i = 0; i < 5; i++) {
                    sink.deliver(Requests.http(true, 42000 + i, T0 + i * MS, MS, "GET", "/r" + i, "/r" + i, 200));
                }
                sink.flush();
                assertTrue(OtlpReceiver.await(() -> receiver.sum("kindling.metrics.folded").values().stream()
                        .anyMatch(v -> v == 3), 20), "3 folded: " + receiver.sum("kindling.metrics.folded"));
                Map<Map<String, String>, HistogramDataPoint> points = receiver.histogram("http.server.request.duration");
                assertEquals(3, points.size(), points.keySet().toString());
                // as in the Prometheus sink, the folded set has every foldable attribute other (a port, a number, left out)
                HistogramDataPoint other = points.get(Map.of("http.request.method", "GET", "http.response.status_code", "200",
                        "http.route", "other", "network.peer.address", "other", "server.address", "other", "container.id", "other",
                        "container.name", "other", "k8s.pod.name", "other", "k8s.namespace.name", "other", "k8s.container.name", "other"));
                assertNotNull(other, points.keySet().toString());
                assertEquals(3, other.getCount());
            } finally {
                sink.deactivate();
            }
        }
    }

    @Test
    void aBackendThatIsDownCostsCountedDropsAndExportResumes() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OtlpSink sink = new OtlpSink(Requests.config(Map.of("endpoint", receiver.endpoint(), "export.interval.ms", 200,
                    "timeout.ms", 300, "span.sample.rate", 1.0, "span.queue.size", 50, "span.batch.size", 20)), jdkSender());
            try {
                sink.deliver(Requests.http(true, 43000, T0, MS, "GET", "/before", "/before", 200));
                assertTrue(OtlpReceiver.await(() -> receiver.spans().size() == 1, 20));
                receiver.stop();
                for (int i = 0; i < 500; i++) {
                    // the sink's thread never waits for the backend: whatever does not fit is dropped and counted
                    sink.deliver(Requests.request("http", true, "192.0.2.1", 43001, "127.0.0.1", 8080, T0 + i * MS, MS, "/down",
                            false, "NoError", Map.of("http_method", "GET", "http_status_code", 200)));
                }
                assertTrue(OtlpReceiver.await(() -> sink.statistics().get("spans.dropped.export_failed") > 0
                        && sink.statistics().get("metric.exports.failed") > 0, 30), sink.statistics().toString());
                assertTrue(sink.statistics().get("spans.dropped.queue_full") > 0, sink.statistics().toString());
                receiver.restart();
                // traffic goes on: once the queue has room again, spans flow and reach the backend
                boolean resumed = false;
                for (int i = 0; i < 150 && !resumed; i++) {
                    sink.deliver(Requests.http(true, 43002, T0 + (600 + i) * MS, MS, "GET", "/after", "/after", 200));
                    resumed = OtlpReceiver.await(() -> receiver.spans().stream().anyMatch(s -> s.span().getName().equals("GET /after")),
                            0);
                    Thread.sleep(200);
                }
                assertTrue(resumed, "export resumes: " + sink.statistics());
                assertTrue(OtlpReceiver.await(() -> {
                    Map<Map<String, String>, Long> spans = receiver.sum("kindling.otlp.spans");
                    Long failed = spans.get(Map.of("kindling.outcome", "dropped.export_failed"));
                    Long full = spans.get(Map.of("kindling.outcome", "dropped.queue_full"));
                    return failed != null && failed > 0 && full != null && full > 0;
                }, 30), "the drops reach the backend: " + receiver.sum("kindling.otlp.spans"));
                // every span is accounted for: arrived, or dropped and counted
                assertTrue(OtlpReceiver.await(() -> {
                    Map<String, Long> f = sink.statistics();
                    return f.get("spans.exported") + f.get("spans.dropped.queue_full") + f.get("spans.dropped.export_failed")
                            == f.get("spans.sampled")
                            && f.get("spans.exported") == receiver.spans().size();
                }, 20), sink.statistics() + ", received " + receiver.spans().size());
                // every request is in the metrics: cumulative, a failed export loses nothing
                assertTrue(OtlpReceiver.await(() -> receiver.histogram("http.server.request.duration").values().stream()
                        .mapToLong(HistogramDataPoint::getCount).sum() == sink.statistics().get("requests"), 20));
            } finally {
                sink.deactivate();
            }
        }
    }

    @Test
    void configurationsThatCannotWorkAreRefusedWithTheReason() {
        HttpSenderProvider sender = jdkSender();
        IllegalArgumentException grpc = assertThrows(IllegalArgumentException.class,
                () -> new OtlpSink(Requests.config(Map.of("protocol", "grpc")), sender));
        assertTrue(grpc.getMessage().contains("http/protobuf") && grpc.getMessage().contains("gRPC"), grpc.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OtlpSink(Requests.config(Map.of("endpoint", "localhost:4318")),
                sender)).getMessage().contains("http"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OtlpSink(Requests.config(Map.of("headers",
                new String[] {"novalue"})), sender)).getMessage().contains("NAME=VALUE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OtlpSink(Requests.config(Map.of("compression", "zstd")),
                sender)).getMessage().contains("gzip"));
    }

    static Received only(List<Received> spans, Span.SpanKind kind, String name) {
        List<Received> found = spans.stream().filter(s -> s.span().getKind() == kind && s.span().getName().equals(name)).toList();
        assertEquals(1, found.size(), kind + " " + name + " in " + spans.stream().map(s -> s.span().getKind() + " "
                + s.span().getName()).toList());
        return found.get(0);
    }
}

package io.kindling.probe.sink.otlp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP receiver for the tests: the JDK's HTTP server on a loopback port, {@code /v1/metrics} and
 * {@code /v1/traces}, each request decoded with the official {@code io.opentelemetry.proto} classes (gzip
 * too) and kept. It can be stopped and started again on the same port, as a backend that goes away and
 * comes back.
 */
public final class OtlpReceiver implements AutoCloseable {

    private final List<ExportMetricsServiceRequest> metrics = new CopyOnWriteArrayList<>();
    private final List<ExportTraceServiceRequest> traces = new CopyOnWriteArrayList<>();
    private final AtomicInteger gzipped = new AtomicInteger();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final Map<String, String> lastHeaders = new java.util.concurrent.ConcurrentHashMap<>();
    private final int port;
    private HttpServer server;

    public OtlpReceiver() throws IOException {
        this(0);
    }

    public OtlpReceiver(int port) throws IOException {
        server = start(port);
        this.port = server.getAddress().getPort();
    }

    public int port() {
        return port;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Stops answering: connections to the port are refused. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Answers again, on the same port. */
    public synchronized void restart() throws IOException {
        if (server == null) {
            server = start(port);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private HttpServer start(int on) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), on), 16);
        s.createContext("/v1/metrics", exchange -> handle(exchange, true));
        s.createContext("/v1/traces", exchange -> handle(exchange, false));
        s.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "otlp-receiver");
            t.setDaemon(true);
            return t;
        }));
        s.start();
        return s;
    }

    private void handle(HttpExchange exchange, boolean isMetrics) throws IOException {
        try (exchange) {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (!"POST".equals(exchange.getRequestMethod()) || type == null || !type.startsWith("application/x-protobuf")) {
                refused.add(exchange.getRequestMethod() + " " + type);
                exchange.sendResponseHeaders(415, -1);
                return;
            }
            exchange.getRequestHeaders().forEach((k, v) -> lastHeaders.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
            InputStream in = exchange.getRequestBody();
            if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                gzipped.incrementAndGet();
                in = new GZIPInputStream(in);
            }
            byte[] body = in.readAllBytes();
            byte[] answer;
            if (isMetrics) {
                metrics.add(ExportMetricsServiceRequest.parseFrom(body));
                answer = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
            } else {
                traces.add(ExportTraceServiceRequest.parseFrom(body));
                answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    public List<ExportMetricsServiceRequest> metricRequests() {
        return List.copyOf(metrics);
    }

    public int gzipped() {
        return gzipped.get();
    }

    public List<String> refused() {
        return List.copyOf(refused);
    }

    /** The value of a header of the last request, by lower-case name. */
    public String header(String name) {
        return lastHeaders.get(name);
    }

    /** Every span received, with the resource it came with. */
    public List<Received> spans() {
        List<Received> all = new ArrayList<>();
        for (ExportTraceServiceRequest r : traces) {
            for (ResourceSpans rs : r.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span s : ss.getSpansList()) {
                        all.add(new Received(rs.getResource(), ss.getScope().getName(), s));
                    }
                }
            }
        }
        return all;
    }

    public record Received(Resource resource, String scope, Span span) {
        public String attribute(String key) {
            return OtlpReceiver.attribute(span.getAttributesList(), key);
        }
    }

    /** The metric of that name in the last export that had it (metrics are cumulative), or null. */
    public Metric lastMetric(String name) {
        for (int i = metrics.size() - 1; i >= 0; i--) {
            for (ResourceMetrics rm : metrics.get(i).getResourceMetricsList()) {
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        if (m.getName().equals(name)) {
                            return m;
                        }
                    }
                }
            }
        }
        return null;
    }

    /** The resource of the last metric export. */
    public Resource lastMetricResource() {
        return metrics.isEmpty() ? null : metrics.get(metrics.size() - 1).getResourceMetrics(0).getResource();
    }

    /** The histogram points of that metric in the last export that had it, by their attributes. */
    public Map<Map<String, String>, HistogramDataPoint> histogram(String name) {
        Map<Map<String, String>, HistogramDataPoint> points = new LinkedHashMap<>();
        Metric m = lastMetric(name);
        if (m != null) {
            for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                points.put(attributes(p.getAttributesList()), p);
            }
        }
        return points;
    }

    /** The points of that sum (counter) metric in the last export that had it, by their attributes. */
    public Map<Map<String, String>, Long> sum(String name) {
        Map<Map<String, String>, Long> points = new LinkedHashMap<>();
        Metric m = lastMetric(name);
        if (m != null) {
            for (NumberDataPoint p : m.getSum().getDataPointsList()) {
                points.put(attributes(p.getAttributesList()), p.getAsInt());
            }
        }
        return points;
    }

    public static Map<String, String> attributes(List<KeyValue> list) {
        Map<String, String> map = new LinkedHashMap<>();
        for (KeyValue kv : list) {
            map.put(kv.getKey(), text(kv.getValue()));
        }
        return map;
    }

    static String attribute(List<KeyValue> list, String key) {
        for (KeyValue kv : list) {
            if (kv.getKey().equals(key)) {
                return text(kv.getValue());
            }
        }
        return null;
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
        };
    }

    /** Waits until {@code condition} holds, up to {@code seconds}; true if it did. */
    public static boolean await(BooleanSupplier condition, int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}

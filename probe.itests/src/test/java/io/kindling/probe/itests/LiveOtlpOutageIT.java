package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.sun.net.httpserver.HttpServer;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import io.kindling.probe.itests.support.TestServers;
import io.kindling.probe.sink.otlp.OtlpReceiver;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/**
 * An OTLP backend that goes away for 30 s while requests flow, live: the probe runs {@code live --subscribe
 * net_request} with the jsonl sink and the OTLP sink; an HTTP server in this JVM answers a steady stream of requests
 * from this JVM (one in ten a 500, so that each sampled by default); the OTLP receiver stops for 30 s, then comes back.
 * The jsonl sink loses nothing (every request the server answered, both sides); the OTLP sink counts what it could
 * not send and sends it as metrics once the receiver is back; the histograms, cumulative, still count every request;
 * every span counted as exported arrived, and spans of requests after the outage arrive. The OTLP sink's drops are
 * also among the probe's own figures: in the Prometheus sink's metrics (scraped once the receiver is back) and in the
 * summary the probe prints at its end, equal to what the receiver got.
 */
public class LiveOtlpOutageIT {

    static final long OUTAGE_SECONDS = Long.getLong("kindling.otlp.outage.seconds", 30);

    @Test
    public void aReceiverDownForThirtySecondsCostsOnlyCountedOtlpDrops() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/otlp-outage");
        Path out = work.resolve("events.jsonl");
        Files.deleteIfExists(out);
        Path stderr = work.resolve("stderr");
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", exchange -> {
            try (exchange) {
                boolean fail = exchange.getRequestURI().getPath().startsWith("/fail");
                byte[] body = (fail ? "no" : "hello").getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
                exchange.getResponseBody().write(body);
                (fail ? failed : ok).incrementAndGet();
            }
        });
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.start();
        int port = server.getAddress().getPort();
        long started = System.nanoTime();
        int metricsPort = TestServers.freePort();
        String scraped;
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            List<String> command = List.of(LiveTcpEventsIT.java(), "-jar", ProbeProcess.probeJar().toString(), "live", "--duration",
                    "300s", "--subscribe", "net_request", "--sink", "jsonl:" + out, "--sink", "otlp:" + receiver.endpoint(), "--sink",
                    "prometheus:127.0.0.1:" + metricsPort);
            Process probe = new ProcessBuilder(LiveTcpEventsIT.privateShm(command)).redirectOutput(work.resolve("stdout").toFile())
                    .redirectError(stderr.toFile()).start();
            long downAt;
            long upAt;
            int sent;
            try {
                LiveRequestsIT.awaitCapture(probe, stderr);
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                sent = traffic(client, port, 3, 0);
                receiver.stop();
                downAt = System.currentTimeMillis() * 1_000_000L;
                System.out.println("LIVE OTLP OUTAGE receiver down after " + sent + " requests");
                sent += traffic(client, port, OUTAGE_SECONDS, sent);
                receiver.restart();
                upAt = System.currentTimeMillis() * 1_000_000L;
                System.out.println("LIVE OTLP OUTAGE receiver back after " + sent + " requests");
                sent += traffic(client, port, 3, sent);
                Thread.sleep(2500); // what the probe read reaches the sinks
                scraped = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                new ProcessBuilder("kill", "-INT", Long.toString(probe.pid())).start().waitFor();
                if (!probe.waitFor(60, TimeUnit.SECONDS)) {
                    fail("the live probe did not end on SIGINT:\n" + Files.readString(stderr));
                }
            } finally {
                probe.destroyForcibly();
                server.stop(0);
            }
            String summary = Files.readString(stderr);
            System.out.println("LIVE OTLP OUTAGE probe said:\n" + summary);

            // the jsonl sink lost nothing: both sides of every request the server answered
            int serverSide = 0;
            int clientSide = 0;
            int errors = 0;
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                Map<String, Object> e = Json.object(line);
                if (LiveRequestsIT.dport(e) != port || !"http".equals(LiveRequestsIT.attrs(e).get("protocol"))) {
                    continue;
                }
                boolean isServer = Boolean.TRUE.equals(LiveRequestsIT.attrs(e).get("is_server"));
                serverSide += isServer ? 1 : 0;
                clientSide += isServer ? 0 : 1;
                errors += Boolean.TRUE.equals(LiveRequestsIT.attrs(e).get("is_error")) ? 1 : 0;
            }
            int answered = ok.get() + failed.get();
            System.out.println("LIVE OTLP OUTAGE requests sent " + sent + ", answered " + answered + " (" + failed.get() + " 500s); jsonl "
                    + "server side " + serverSide + ", client side " + clientSide);
            assertEquals(sent, answered);
            assertEquals("the jsonl sink: the server side of every request", answered, serverSide);
            assertEquals("the jsonl sink: the client side of every request", answered, clientSide);

            // the histograms are cumulative: every request is counted once the receiver is back
            long counted = 0;
            for (String metric : List.of("http.server.request.duration", "http.client.request.duration")) {
                for (Map.Entry<Map<String, String>, HistogramDataPoint> p : receiver.histogram(metric).entrySet()) {
                    if (String.valueOf(port).equals(p.getKey().get("server.port"))) {
                        counted += p.getValue().getCount();
                    }
                }
            }
            assertEquals("both sides of every request in the histograms", 2L * answered, counted);

            // the drops were counted and reached the backend; every span counted as exported arrived
            Map<Map<String, String>, Long> spans = receiver.sum("kindling.otlp.spans");
            Map<Map<String, String>, Long> exports = receiver.sum("kindling.otlp.metric.exports");
            long exported = spans.getOrDefault(Map.of("kindling.outcome", "exported"), 0L);
            long droppedFailed = spans.getOrDefault(Map.of("kindling.outcome", "dropped.export_failed"), 0L);
            long droppedFull = spans.getOrDefault(Map.of("kindling.outcome", "dropped.queue_full"), 0L);
            long metricFailed = exports.getOrDefault(Map.of("kindling.outcome", "failed"), 0L);
            List<Span> received = new ArrayList<>();
            receiver.spans().forEach(r -> received.add(r.span()));
            long ourSpans = received.stream().filter(s -> s.getStartTimeUnixNano() > 0).count();
            long afterOutage = received.stream().filter(s -> s.getStartTimeUnixNano() > upAt).count();
            long duringOutage = received.stream().filter(s -> s.getStartTimeUnixNano() > downAt && s.getEndTimeUnixNano() < upAt)
                    .count();
            System.out.println("LIVE OTLP OUTAGE spans: sampled (failed requests, both sides) " + errors + ", received " + ourSpans
                    + " (after the outage " + afterOutage + ", during it " + duringOutage + "); the sink's figures: exported " + exported
                    + ", dropped (export failed) " + droppedFailed + ", dropped (queue full) " + droppedFull + "; metric exports failed "
                    + metricFailed + " " + exports);
            assertTrue("failed metric exports counted: " + exports, metricFailed > 0);
            assertTrue("spans dropped and counted: " + spans, droppedFailed + droppedFull > 0);
            assertEquals("every span counted as exported arrived", exported, ourSpans);
            assertTrue("export resumed: spans of requests after the outage arrived", afterOutage > 0);
            // (the probe sees the whole machine: failed requests of other processes are sampled too)
            assertTrue("every sampled request's span is accounted for: exported or dropped", exported + droppedFailed + droppedFull
                    >= errors);

            // the same drops among the probe's own figures: the Prometheus sink's metrics and the probe's summary
            long promFailed = promFigure(scraped, "spans.dropped.export_failed");
            long promFull = promFigure(scraped, "spans.dropped.queue_full");
            long promMetricFailed = promFigure(scraped, "metric.exports.failed");
            String otlpLine = summary.lines().map(String::trim).filter(l -> l.startsWith("sink otlp")).findFirst().orElse("");
            System.out.println("LIVE OTLP OUTAGE Prometheus: spans.dropped.export_failed " + promFailed + ", spans.dropped.queue_full "
                    + promFull + ", metric.exports.failed " + promMetricFailed + "; summary: " + otlpLine);
            // (scraped a few seconds after the receiver came back: an export still retrying then may yet fail)
            assertTrue("the Prometheus sink shows the OTLP sink's span drops", promFailed + promFull > 0
                    && promFailed <= droppedFailed && promFull <= droppedFull);
            assertTrue("the Prometheus sink shows the OTLP sink's failed metric exports", promMetricFailed > 0
                    && promMetricFailed <= metricFailed);
            assertTrue("the probe's summary shows the OTLP sink's drops as the receiver got them: " + otlpLine,
                    otlpLine.contains("spans.dropped.queue_full " + droppedFull + ", spans.dropped.export_failed " + droppedFailed + ","));
        } finally {
            System.out.println("LIVE OTLP OUTAGE took " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }

    /** The value of the Prometheus sink's {@code kindling_probe_sink_figure} of the OTLP sink named {@code figure}. */
    static long promFigure(String scraped, String figure) {
        String prefix = "kindling_probe_sink_figure{sink=\"otlp\",figure=\"" + figure + "\"} ";
        return scraped.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in the Prometheus sink's metrics:\n" + scraped));
    }

    /** Requests to the server for {@code seconds}, 40 a second on one keep-alive connection, one in ten failing. */
    static int traffic(HttpClient client, int port, long seconds, int first) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int n = 0;
        while (System.nanoTime() < end) {
            int i = first + n++;
            String path = i % 10 == 9 ? "/fail/" + i : "/ok/" + i;
            client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(25);
        }
        return n;
    }
}

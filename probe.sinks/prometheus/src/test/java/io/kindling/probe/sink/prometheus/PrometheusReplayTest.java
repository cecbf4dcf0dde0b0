package io.kindling.probe.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.converter.file.FileConverter;
import io.kindling.probe.converter.socket.SocketConverter;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.sink.jsonl.JsonlSink;
import io.kindling.probe.testing.Replay;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.hawkular.agent.prometheus.types.Histogram;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays real and generated captures through the real probe to the Prometheus sink's metrics and the
 * JSON Lines sink at once, scrapes the metrics over HTTP from Jetty (the Jetty that Felix HTTP embeds)
 * while the capture replays and after, parses each answer with an independent Prometheus text-format
 * parser, and compares the figures with what the JSON Lines sink wrote.
 */
class PrometheusReplayTest {

    @TempDir
    static Path dir;

    static Stream<String> captures() {
        return Stream.of("libs_curl_google.scap", "libs_sample.scap", "falco_connect_localhost.scap",
                "falco_cat_write.scap", "generated-http", "generated-mixed");
    }

    @ParameterizedTest
    @MethodSource("captures")
    void theMetricsCountWhatTheJsonLinesSinkSaw(String name) throws Exception {
        Path capture = switch (name) {
            case "generated-http" -> generate(Scenario.HTTP, 40_000);
            case "generated-mixed" -> generate(Scenario.MIXED, 40_000);
            default -> Replay.capture(name);
        };
        Path jsonl = dir.resolve(name + ".jsonl");
        try (Replay replay = Replay.start(new FileConverter(), new SocketConverter())) {
            EventMetrics metrics = new EventMetrics(1000);
            Sink prometheus = metrics::record;
            JsonlSink jsonlSink = jsonlSink(jsonl);
            replay.add(prometheus, "prometheus", 65536);
            replay.add(jsonlSink, "jsonl", 65536);
            Server jetty = jetty(new MetricsServlet(metrics, replay.control()::statistics));
            try {
                URI uri = URI.create("http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort() + "/metrics");
                List<Scrape> during = new ArrayList<>();
                AtomicBoolean running = new AtomicBoolean(true);
                Thread scraper = new Thread(() -> {
                    try {
                        while (running.get()) {
                            during.add(Scrape.of(uri));
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                scraper.start();
                Statistics stats = replay.run(capture);
                running.set(false);
                scraper.join();
                closeJsonl(jsonlSink);

                Scrape scrape = Scrape.of(uri);
                assertTrue(scrape.contentType.startsWith("text/plain") && scrape.contentType.contains("version=0.0.4"),
                        scrape.contentType);
                JsonlReference seen = JsonlReference.of(jsonl);
                assertTrue(seen.lines > 0, "the JSON Lines sink saw events");
                if (name.contains("curl") || name.contains("http") || name.contains("mixed")) {
                    assertTrue(!seen.socketBytes.isEmpty(), "this capture reads and writes sockets");
                }
                System.out.printf("%s: %d events, %d name/category series, %d latency histograms, %d socket byte series, %d scrapes during the replay%n",
                        name, seen.lines, seen.events.size(), seen.latencyCount.size(), seen.socketBytes.size(), during.size());
                assertEquals(seen.events, scrape.values(EventMetrics.EVENTS, "name", "source", "category"), "events by name, source and category");
                assertHistograms(seen, scrape.histograms(EventMetrics.LATENCY, "name"));
                assertEquals(seen.socketBytes, scrape.values(EventMetrics.SOCKET_BYTES, "direction", "protocol", "remote"),
                        "socket bytes by direction, protocol and remote endpoint");
                Map<String, Double> folded = scrape.values(EventMetrics.FOLDED, "metric");
                assertEquals(16, folded.size(), "every metric says what it folded: " + folded);
                assertTrue(folded.values().stream().allMatch(v -> v == 0.0), "nothing folded below the series bound: " + folded);

                assertEquals(Map.of("", (double) stats.read()), scrape.values(ProbeMetrics.READ), "events read");
                for (SinkStatistics sink : stats.sinks()) {
                    assertEquals(seen.lines, sink.delivered(), sink.name() + " got every event the other got");
                    assertEquals((double) sink.delivered(), scrape.values(ProbeMetrics.SINK_EVENTS, "sink", "outcome")
                            .get(sink.name() + "|delivered"), "delivered to " + sink.name());
                    assertEquals(0, sink.dropped() + sink.failed(), sink.name() + " lost nothing");
                }
                assertEquals(stats.dropped().size(), scrape.values(ProbeMetrics.DROPPED, "rule").size(), "a figure per drop rule");
                double previous = -1;
                for (Scrape s : during) { // every answer during the replay parsed; the counts only grew
                    double total = s.values(EventMetrics.EVENTS, "name", "source", "category").values().stream().mapToDouble(d -> d).sum();
                    assertTrue(total >= previous, "counts grow during a replay");
                    previous = total;
                }
            } finally {
                jetty.stop();
            }
        }
    }

    private static void assertHistograms(JsonlReference seen, Map<String, Histogram> scraped) {
        assertEquals(seen.latencyCount.keySet(), scraped.keySet(), "a latency histogram per syscall exit name");
        for (Map.Entry<String, Histogram> e : scraped.entrySet()) {
            String name = e.getKey();
            Histogram h = e.getValue();
            assertEquals(seen.latencyCount.get(name).longValue(), h.getSampleCount(), name + " count");
            assertEquals(seen.latencySumNanos.get(name) / 1e9, h.getSampleSum(), 1e-9 + seen.latencySumNanos.get(name) / 1e9 * 1e-12,
                    name + " sum");
            long[] expected = seen.latencyBuckets.get(name);
            assertEquals(expected.length + 1, h.getBuckets().size(), name + " buckets");
            for (int i = 0; i < expected.length; i++) {
                assertEquals(EventMetrics.LATENCY_BOUNDS_NANOS[i] / 1e9, h.getBuckets().get(i).getUpperBound(), 1e-12);
                assertEquals(expected[i], h.getBuckets().get(i).getCumulativeCount(), name + " bucket le=" + h.getBuckets().get(i).getUpperBound());
            }
            assertEquals(Double.POSITIVE_INFINITY, h.getBuckets().get(expected.length).getUpperBound());
            assertEquals(h.getSampleCount(), h.getBuckets().get(expected.length).getCumulativeCount());
        }
    }

    static Path generate(Scenario scenario, long events) throws Exception {
        Path p = dir.resolve(scenario.cliName() + "-" + events + ".scap");
        CaptureGenerator.generate(scenario, events, 42, p);
        return p;
    }

    static JsonlSink jsonlSink(Path file) throws Exception {
        JsonlSink sink = new JsonlSink();
        Method activate = JsonlSink.class.getDeclaredMethod("activate", JsonlSink.Config.class);
        activate.setAccessible(true);
        activate.invoke(sink, Replay.config(JsonlSink.Config.class, Map.of("path", file.toString())));
        return sink;
    }

    static void closeJsonl(JsonlSink sink) throws Exception {
        Method deactivate = JsonlSink.class.getDeclaredMethod("deactivate");
        deactivate.setAccessible(true);
        deactivate.invoke(sink);
    }

    static Server jetty(MetricsServlet servlet) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(servlet), "/metrics");
        server.setHandler(context);
        server.start();
        return server;
    }
}

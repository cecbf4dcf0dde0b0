package io.kindling.probe.sink.prometheus;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricDataParser;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;

/** One scrape of a metrics endpoint with a real HTTP client, parsed by an independent text-format parser. */
final class Scrape {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String contentType;
    final String body;
    final Map<String, MetricFamily> families = new LinkedHashMap<>();

    private Scrape(String contentType, String body) throws IOException {
        this.contentType = contentType;
        this.body = body;
        TextPrometheusMetricDataParser parser = new TextPrometheusMetricDataParser(
                new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        MetricFamily family;
        while ((family = parser.parse()) != null) {
            if (families.put(family.getName(), family) != null) {
                throw new AssertionError("metric family " + family.getName() + " appears twice");
            }
        }
    }

    static Scrape parse(String text) throws IOException {
        return new Scrape(TextFormat.CONTENT_TYPE, text);
    }

    static Scrape of(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return new Scrape(response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    /** The samples of a counter or gauge family, by their label values joined with '|' (in label order). */
    Map<String, Double> values(String family, String... labels) {
        Map<String, Double> out = new TreeMap<>();
        MetricFamily f = families.get(family);
        if (f == null) {
            return out;
        }
        for (Metric m : f.getMetrics()) {
            double v = m instanceof Counter c ? c.getValue() : ((Gauge) m).getValue();
            out.put(key(m, labels), v);
        }
        return out;
    }

    Map<String, Histogram> histograms(String family, String... labels) {
        Map<String, Histogram> out = new TreeMap<>();
        MetricFamily f = families.get(family);
        if (f != null) {
            for (Metric m : f.getMetrics()) {
                out.put(key(m, labels), (Histogram) m);
            }
        }
        return out;
    }

    private static String key(Metric m, String... labels) {
        StringBuilder b = new StringBuilder();
        for (String l : labels) {
            if (b.length() > 0) {
                b.append('|');
            }
            b.append(m.getLabels().get(l));
        }
        return b.toString();
    }
}

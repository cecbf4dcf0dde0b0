package io.kindling.probe.itests.support;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The prometheus and kafka sinks configured through Configuration Admin, as an operator configures
 * them, for tests that stop and start their bundles: the prometheus sink on a free loopback port,
 * scraped with an HTTP client, and the kafka sink publishing to a real broker ({@link KafkaTopic}).
 */
public final class ConfiguredSinks {
    public static final String PROMETHEUS = "prometheus";
    public static final String KAFKA = "kafka";
    /** The kafka producer's network thread, named by kafka-clients after the client id. */
    static final String PRODUCER_THREAD = "kafka-producer-network-thread";

    private final int port;
    private final List<Configuration> configurations;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ConfiguredSinks(int port, List<Configuration> configurations) {
        this.port = port;
        this.configurations = configurations;
    }

    /**
     * Creates both sinks' factory configurations: the prometheus sink subscribes to {@code subscriptions},
     * the kafka sink to {@code kafkaSubscriptions} and publishes to {@code topic} of the broker at {@code bootstrap}.
     */
    public static ConfiguredSinks create(ConfigurationAdmin admin, String subscriptions, String bootstrap, String topic,
            String... kafkaSubscriptions) throws IOException {
        int port = TestServers.freePort();
        Configuration prometheus = admin.getFactoryConfiguration("io.kindling.probe.sink.prometheus", "restart", "?");
        Hashtable<String, Object> p = new Hashtable<>();
        p.put("kindling.subscriptions", subscriptions);
        p.put("kindling.sink.name", PROMETHEUS);
        p.put("host", "127.0.0.1");
        p.put("port", port);
        prometheus.update(p);
        Configuration kafka = admin.getFactoryConfiguration("io.kindling.probe.sink.kafka", "restart", "?");
        Hashtable<String, Object> k = new Hashtable<>();
        k.put("kindling.subscriptions", kafkaSubscriptions);
        k.put("kindling.sink.name", KAFKA);
        k.put("bootstrap.servers", bootstrap);
        k.put("topic", topic);
        kafka.update(k);
        return new ConfiguredSinks(port, List.of(prometheus, kafka));
    }

    /** Deletes the configurations: the sinks go away. */
    public void delete() throws IOException {
        for (Configuration c : configurations) {
            c.delete();
        }
    }

    public int port() {
        return port;
    }

    /**
     * The metrics endpoint's samples, {@code NAME{LABELS}} to value; null while it does not answer
     * (Felix HTTP starts the sink's Jetty instance asynchronously, once the sink configured it).
     */
    public Map<String, Double> scrape() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? samples(response.body()) : null;
        } catch (IOException notYet) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static Map<String, Double> samples(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (!line.startsWith("#") && space > 0) {
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    /** The sum of a metric's samples whose labels contain every one of {@code labels} ({@code key="value"}). */
    public static double sum(Map<String, Double> samples, String metric, String... labels) {
        double sum = 0;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String key = e.getKey();
            if ((key.equals(metric) || key.startsWith(metric + "{")) && List.of(labels).stream().allMatch(key::contains)) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Asserts that the scrape shows the replay's figures: what the engine read, and what the sink was given and counted. */
    public static void assertFigures(Map<String, Double> samples, long read, long delivered) {
        assertEquals("kindling_probe_events_read_total", read, sum(samples, "kindling_probe_events_read_total"), 0);
        assertEquals("delivered to the prometheus sink", delivered,
                sum(samples, "kindling_probe_sink_events_total", "sink=\"" + PROMETHEUS + "\"", "outcome=\"delivered\""), 0);
        assertEquals("the sink's own counts, from zero since it started", delivered, sum(samples, "kindling_events_total"), 0);
    }

    /** Whether the metrics port can be bound: the sink's Jetty instance does not listen on it. */
    public boolean portFree() {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException inUse) {
            return false;
        }
    }

    /** The kafka producer's network threads alive. */
    public static long producerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(PRODUCER_THREAD)).count();
    }

}

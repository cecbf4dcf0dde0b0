package io.kindling.probe.sink.kafka;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * A sink that publishes each event it receives to a Kafka topic, as JSON (see {@link EventRecords}:
 * key {@code HOST/PID}, so that one process's events stay in order in one partition). Off until
 * configured; each factory configuration of {@value #PID} makes one more Kafka sink.
 * <p>
 * It never holds up the event loop: it takes events from its own bounded queue in the core, on its
 * own thread. While the broker is unreachable it keeps the event at hand and tries again with backoff
 * ({@link EventPublisher}); its queue fills meanwhile, and what does not fit is dropped and counted
 * in the probe's statistics. A change of the subscriptions keeps the producer; a change of any Kafka
 * setting replaces it, after what it buffered was sent.
 */
@Component(name = KafkaSink.PID, service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
@SinkService(sink_name = "kafka", sink_queue_size = 65536)
@Designate(ocd = KafkaSink.Config.class, factory = true)
public final class KafkaSink implements Sink {

    /** Component name and factory PID. */
    public static final String PID = "io.kindling.probe.sink.kafka";

    /** Kafka's own INFO messages are many; they show from WARNING on unless logging is configured. */
    private static final Logger KAFKA_LOG = Logger.getLogger("org.apache.kafka");

    @ObjectClassDefinition(name = "Kindling Probe Kafka sink",
            description = "Publishes each subscribed event as JSON to a Kafka topic, keyed by host and pid.")
    public @interface Config {
        @AttributeDefinition(name = "Bootstrap servers", description = "HOST:PORT of one or more brokers, comma-separated.")
        String bootstrap_servers() default "127.0.0.1:9092";

        @AttributeDefinition(name = "Topic")
        String topic() default "kindling-events";

        @AttributeDefinition(name = "Acknowledgements",
                description = "all: every in-sync replica has the event (and the producer is idempotent: no "
                        + "duplicates, order kept); 1: the leader has it; 0: sent, unconfirmed.",
                options = {@Option(value = "all"), @Option(value = "1"), @Option(value = "0")})
        String acks() default "all";

        @AttributeDefinition(name = "Compression",
                description = "none and gzip always work; snappy, lz4 and zstd need their library's bundle installed.",
                options = {@Option(value = "none"), @Option(value = "gzip"), @Option(value = "snappy"),
                    @Option(value = "lz4"), @Option(value = "zstd")})
        String compression() default "none";

        @AttributeDefinition(name = "Batch size (bytes)", min = "0",
                description = "Largest batch per partition (after compression); a produce request carries up to four "
                        + "of them. Keep it below the brokers' message.max.bytes (1 MiB by default).")
        int batch_size() default 262144;

        @AttributeDefinition(name = "Linger (ms)", min = "0",
                description = "How long a batch that is not full waits for more events before it is sent.")
        int linger_ms() default 10;

        @AttributeDefinition(name = "Producer buffer (bytes)", min = "65536",
                description = "Memory for events taken but not yet acknowledged.")
        long buffer_memory() default 32L * 1024 * 1024;

        @AttributeDefinition(name = "Delivery timeout (ms)", min = "0",
                description = "How long a taken event may wait for the broker before it is given up and counted as "
                        + "lost; 0 waits as long as the sink runs.")
        int delivery_timeout_ms() default 0;

        @AttributeDefinition(name = "Longest backoff (ms)", min = "50",
                description = "Longest wait between two tries while the broker is unreachable.")
        int retry_backoff_max_ms() default 5000;

        @AttributeDefinition(name = "Requests in flight", min = "1", max = "5",
                description = "Produce requests per broker connection awaiting an answer. With acks=all the producer is "
                        + "idempotent and keeps each key's order with up to 5. Set 1 where the first write creates the "
                        + "topic: brokers without the fix of KAFKA-15591 can lose an idempotent producer's first request "
                        + "to a partition they are still creating when more are in flight.")
        int max_in_flight() default 5;

        @AttributeDefinition(name = "Host", required = false,
                description = "This probe's host name in record keys; empty for the machine's name.")
        String host() default "";

        @AttributeDefinition(name = "Other producer settings", required = false,
                description = "KEY=VALUE Kafka producer settings passed as they are, for example "
                        + "security.protocol=SSL or sasl.mechanism=SCRAM-SHA-512.")
        String[] producer_properties() default {};
    }

    /** What a producer is built from; subscriptions, name and queue size are the core's business. */
    record Settings(String name, String topic, String host, Map<String, Object> producer, long maxBackoffMillis) {

        static Settings of(Config config, String name) {
            String host = config.host() == null || config.host().isBlank() ? localHostName() : config.host().trim();
            String acks = config.acks().trim().toLowerCase(Locale.ROOT);
            boolean idempotent = acks.equals("all") || acks.equals("-1");
            Map<String, Object> p = new LinkedHashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap_servers().trim());
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "kindling-probe-" + host + "-" + name);
            p.put(ProducerConfig.ACKS_CONFIG, acks);
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent);
            // without idempotence, only one request at a time keeps the order when a retry happens
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                    idempotent ? Math.max(1, Math.min(5, config.max_in_flight())) : 1);
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.compression().trim().toLowerCase(Locale.ROOT));
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, config.batch_size());
            // room for a full batch of each of four partitions in one request
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1024 * 1024, 4 * Math.max(0, config.batch_size())));
            p.put(ProducerConfig.LINGER_MS_CONFIG, config.linger_ms());
            p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, config.buffer_memory());
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                    config.delivery_timeout_ms() <= 0 ? Integer.MAX_VALUE : config.delivery_timeout_ms());
            p.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
            // send() refuses quickly when the broker is away; the sink then waits and tries again itself
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
            p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, config.retry_backoff_max_ms());
            p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, config.retry_backoff_max_ms());
            for (String entry : config.producer_properties()) {
                int eq = entry.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("Kafka sink: producer setting '" + entry + "' is not KEY=VALUE");
                }
                p.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            }
            return new Settings(name, config.topic().trim(), host, Map.copyOf(p),
                    config.retry_backoff_max_ms());
        }

        EventPublisher open() {
            return new EventPublisher("Kafka sink " + name + " (" + producer.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)
                    + ", topic " + topic + ")", producer, new EventRecords(topic, host), maxBackoffMillis);
        }
    }

    private final Object lock = new Object();
    private Settings settings;
    private EventPublisher publisher;
    /** What the producers that a new configuration replaced did. */
    private EventPublisher.Counters replaced = new EventPublisher.Counters(0, 0, 0, 0, 0);

    @Activate
    public KafkaSink(Config config, SinkService common) {
        this(config, common.sink_name());
    }

    KafkaSink(Config config, String name) {
        if (KAFKA_LOG.getLevel() == null) {
            KAFKA_LOG.setLevel(java.util.logging.Level.WARNING);
        }
        Settings s = Settings.of(config, name);
        EventPublisher p = s.open();
        synchronized (lock) {
            settings = s;
            publisher = p;
        }
    }

    @Modified
    void modified(Config config, SinkService common) {
        Settings next = Settings.of(config, common.sink_name());
        EventPublisher previous;
        synchronized (lock) {
            if (next.equals(settings)) {
                return;
            }
            previous = publisher;
            settings = next;
            publisher = next.open();
        }
        previous.close();
        synchronized (lock) {
            replaced = replaced.plus(previous.counters());
        }
    }

    @Deactivate
    void deactivate() {
        EventPublisher p;
        synchronized (lock) {
            p = publisher;
        }
        p.close();
    }

    @Override
    public void deliver(KindlingEvent event) throws Exception {
        current().publish(event);
    }

    @Override
    public void flush() {
        current().flush();
    }

    /**
     * What the sink's producers did since the sink started (a new configuration's producer adds to its
     * predecessors' figures): records the broker acknowledged, records taken and not yet answered, records
     * lost after the producer took them (their delivery timeout expired, or the sink stopped while the broker
     * was away), records the producer refused for good, and the waits for a producer that could not take a record.
     */
    @Override
    public Map<String, Long> statistics() {
        EventPublisher.Counters c;
        synchronized (lock) {
            c = replaced.plus(publisher.counters());
        }
        Map<String, Long> f = new LinkedHashMap<>();
        f.put("records.acknowledged", c.acknowledged());
        f.put("records.pending", c.pending());
        f.put("records.lost", c.failed());
        f.put("records.refused", c.refused());
        f.put("retries", c.retries());
        return f;
    }

    /** What the current producer did so far. */
    EventPublisher.Counters counters() {
        return current().counters();
    }

    /** A figure of the current producer's metrics (see {@link EventPublisher#producerMetric}). */
    double producerMetric(String name) {
        return current().producerMetric(name);
    }

    private EventPublisher current() {
        synchronized (lock) {
            return publisher;
        }
    }

    static String localHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}

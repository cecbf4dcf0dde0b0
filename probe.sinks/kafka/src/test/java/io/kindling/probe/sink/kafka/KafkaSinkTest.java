package io.kindling.probe.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.converter.file.FileConverter;
import io.kindling.probe.converter.socket.SocketConverter;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.sink.jsonl.JsonlSink;
import io.kindling.probe.testing.Replay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Kafka sink against a real broker (KRaft, in a child JVM on loopback), fed by the real probe
 * replaying real and generated captures, with the JSON Lines sink beside it as the reference.
 */
class KafkaSinkTest {
    private static final String HOST = "probe-test";

    @TempDir
    static Path dir;
    static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Path brokerDir = Files.createDirectories(dir.resolve("broker"));
        broker = KafkaBroker.start(brokerDir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    static Stream<String> captures() {
        return Stream.of("libs_curl_google.scap", "libs_sample.scap", "falco_connect_localhost.scap",
                "falco_cat_write.scap", "generated-mixed");
    }

    @ParameterizedTest
    @MethodSource("captures")
    void everyEventArrivesOnceAndInOrderPerKey(String name) throws Exception {
        Path capture = name.startsWith("generated") ? generate(Scenario.MIXED, 60_000) : Replay.capture(name);
        String topic = "exactly-once-" + name.replaceAll("[^a-z0-9]", "-");
        Path file = dir.resolve(topic + ".jsonl");
        // the generated capture goes to a topic that its first event creates (the broker's defaults: 4 partitions)
        KafkaSink kafka = sink(topic, Map.of(), !name.startsWith("generated"));
        try (Replay replay = Replay.start(new FileConverter(), new SocketConverter())) {
            JsonlSink jsonl = Jsonl.open(file);
            replay.add(kafka, "kafka", 65536);
            replay.add(jsonl, "jsonl", 65536);
            Statistics stats = replay.run(capture);
            Jsonl.close(jsonl);
            Map<String, List<String>> expected = Jsonl.byKey(file, HOST);
            long n = Jsonl.count(expected);
            assertTrue(n > 0);
            SinkStatistics s = sinkStats(stats, "kafka");
            assertEquals(List.of(n, 0L, 0L, 0L), List.of(s.delivered(), s.dropped(), s.failed(), s.queued()),
                    "delivered, dropped, failed, queued");
            EventPublisher.Counters c = awaitSent(kafka, n);
            assertEquals(Map.of("records.acknowledged", n, "records.pending", 0L, "records.lost", 0L, "records.refused", 0L,
                    "retries", c.retries()), kafka.statistics(), "the sink's own figures");
            Map<String, List<String>> arrived = Topic.read(broker.bootstrap(), topic, n, 10_000);
            assertEquals(expected.keySet(), arrived.keySet(), "one key per host and pid");
            for (Map.Entry<String, List<String>> e : expected.entrySet()) {
                assertEquals(e.getValue(), arrived.get(e.getKey()), "the events of " + e.getKey() + ", once each and in order");
            }
        } finally {
            kafka.deactivate();
        }
    }

    /** What a replay through a broker outage left: the jsonl sink's events per key (the reference), their count, the stop. */
    private record Outage(Map<String, List<String>> expected, long n, BrokerStop stop) {}

    /**
     * Replays a generated mixed capture of 100,000 events to {@code kafka}, whose broker stops at the
     * sink's {@code stopAt}th event for {@code downMillis}, with a queue of {@code kafkaQueue} events, and to a
     * jsonl file as the reference; returns once the broker is back. A small queue drops events from the
     * start on a busy machine, so that the sink may see far fewer than the capture's events.
     */
    private Outage replayThroughOutage(Replay replay, KafkaSink kafka, String topic, int kafkaQueue, long stopAt,
            long downMillis) throws Exception {
        Path capture = generate(Scenario.MIXED, 100_000);
        Path file = dir.resolve(topic + ".jsonl");
        JsonlSink jsonl = Jsonl.open(file);
        BrokerStop stop = new BrokerStop(kafka, stopAt, downMillis);
        replay.add(stop, "kafka", kafkaQueue);
        replay.add(jsonl, "jsonl", 1 << 20);
        replay.run(capture);
        Jsonl.close(jsonl);
        stop.awaitRestart();
        Map<String, List<String>> expected = Jsonl.byKey(file, HOST);
        return new Outage(expected, Jsonl.count(expected), stop);
    }

    @Test
    void nothingIsLostWhileTheBrokerRestartsWhenTheQueueIsLargeEnough() throws Exception {
        String topic = "restart-large-queue";
        KafkaSink kafka = sink(topic, Map.of());
        try (Replay replay = Replay.start(new FileConverter(), new SocketConverter())) {
            Outage outage = replayThroughOutage(replay, kafka, topic, 1 << 20, 20_000, 3000);
            Map<String, List<String>> expected = outage.expected();
            long n = outage.n();
            BrokerStop stop = outage.stop();
            awaitDelivered(replay, "kafka", n);
            awaitSent(kafka, n);
            EventPublisher.Counters c = kafka.counters();
            assertEquals(new SinkStatistics("kafka", n, 0, 0, 0, Map.of("records.acknowledged", n, "records.pending", 0L,
                    "records.lost", 0L, "records.refused", 0L, "retries", c.retries())),
                    sinkStats(replay.control().statistics(), "kafka"), "the probe's statistics carry the producer's figures");
            // nothing can be acknowledged while the broker is down: the rest waited for it
            assertTrue(stop.acknowledgedAtRestart() >= 0 && stop.acknowledgedAtRestart() < n,
                    "the sink waited for the broker: " + stop.acknowledgedAtRestart() + " of " + n
                            + " events were acknowledged when it came back; " + c);
            Map<String, List<String>> arrived = Topic.read(broker.bootstrap(), topic, n, 10_000);
            assertEquals(n, Topic.count(arrived), "every event arrived once");
            assertEquals(expected, arrived, "in order per key");
            System.out.printf("broker restart, queue 1048576: %d events, all arrived; the broker was down for %d ms;"
                    + " %d acknowledged before it came back; %d retries%n", n, stop.downMillis(), stop.acknowledgedAtRestart(),
                    c.retries());
        } finally {
            kafka.deactivate();
        }
    }

    @Test
    void dropsAreCountedExactlyWhenTheQueueIsTooSmall() throws Exception {
        String topic = "restart-small-queue";
        KafkaSink kafka = sink(topic, Map.of("buffer_memory", 65536L, "batch_size", 16384));
        try (Replay replay = Replay.start(new FileConverter(), new SocketConverter())) {
            Outage outage = replayThroughOutage(replay, kafka, topic, 1024, 1_000, 5000);
            Map<String, List<String>> expected = outage.expected();
            long n = outage.n();
            BrokerStop stop = outage.stop();
            SinkStatistics s = awaitQueueEmpty(replay, "kafka");
            EventPublisher.Counters c = awaitSent(kafka, s.delivered());
            assertTrue(s.dropped() > 0, "the queue was too small for the outage: " + s);
            assertEquals(n, s.delivered() + s.dropped(), "each event was either delivered to the sink or counted as dropped");
            assertEquals(0, s.failed());
            assertEquals(s.delivered(), c.accepted(), "the producer took every delivered event");
            assertEquals(0, c.failed(), "and lost none of them");
            assertEquals(Map.of("records.acknowledged", c.acknowledged(), "records.pending", 0L, "records.lost", 0L,
                    "records.refused", 0L, "retries", c.retries()), sinkStats(replay.control().statistics(), "kafka").figures(),
                    "the probe's statistics carry the producer's figures");
            Map<String, List<String>> arrived = Topic.read(broker.bootstrap(), topic, s.delivered(), 10_000);
            assertEquals(n - s.dropped(), Topic.count(arrived), "what did not arrive is exactly what was counted as dropped");
            for (Map.Entry<String, List<String>> e : arrived.entrySet()) {
                assertSubsequence(expected.get(e.getKey()), e.getValue(), e.getKey());
            }
            System.out.printf("broker restart, queue 1024: %d events, %d arrived, %d dropped and counted; down for %d ms%n",
                    n, Topic.count(arrived), s.dropped(), stop.downMillis());
        } finally {
            kafka.deactivate();
        }
    }

    /**
     * The kafka sink's rate against the jsonl sink's (to /dev/null) on the same events in one run, the
     * sinks alone (the events of a generated mixed capture held in memory, delivered as fast as each
     * sink takes them; the kafka sink's time ends when the broker acknowledged the last one, acks=all).
     * Nothing is lost and each key's events arrive in order; a plain consumer reads them back. Then the
     * same events once per codec (bytes on the wire per event) and through a proxy that delays every
     * segment by 5 ms each way (a far broker), with {@code -Dkindling.kafka.compare=true}. The rates are
     * reported, not asserted.
     */
    @Test
    void eventsPerSecondIntoTheBrokerAgainstJsonLinesToDevNull() throws Exception {
        List<KindlingEvent> events = eventsOf(generate(Scenario.MIXED, 300_000));
        int n = events.size();
        Path reference = dir.resolve("throughput.jsonl");
        JsonlSink file = Jsonl.open(reference);
        for (KindlingEvent e : events) {
            file.deliver(e);
        }
        Jsonl.close(file);
        // both sinks' code compiled before the clock runs, the broker's too, as in a probe and a broker that
        // have run for a while; then a second sink, whose first records take the paths that the first one
        // left behind in the compiled code (the JIT deoptimises there otherwise, and compiles again during
        // the measured phase)
        jsonlRate(events);
        publish("warm-up", Map.of(), events, broker.bootstrap());
        publish("warm-up-again", Map.of(), events.subList(0, n / 4), broker.bootstrap());
        awaitCompiled();

        if (Boolean.getBoolean("kindling.kafka.idle")) {
            // what the broker spends with nothing to do, per second
            long idle0 = broker.cpuNanos();
            ThreadsCpu idleThreads0 = broker.threadsCpu();
            Thread.sleep(3000);
            System.out.printf("throughput, the broker idle: %.1f ms of CPU per second; by thread (ms per second): %s%n",
                    (broker.cpuNanos() - idle0) / 3e6, broker.threadsCpu().since(idleThreads0, 3000));
        }
        long jsonlCpu = threadCpu();
        ThreadsCpu jsonlThreads0 = ThreadsCpu.of(ProcessHandle.current().pid());
        double jsonlBefore = jsonlRate(events);
        jsonlCpu = threadCpu() - jsonlCpu;
        String jsonlThreads = ThreadsCpu.of(ProcessHandle.current().pid()).since(jsonlThreads0, n);
        Published local = publish("throughput", Map.of(), events, broker.bootstrap());
        double jsonlAfter = jsonlRate(events);
        double jsonl = (jsonlBefore + jsonlAfter) / 2;
        System.out.printf("throughput, the sinks alone on the same %d events of a generated mixed capture, one run: kafka, "
                + "acks=all, all acknowledged: %.0f events/s; jsonl to /dev/null: %.0f events/s (%.0f before, %.0f after "
                + "the kafka run); kafka/jsonl %.2f%n", n, local.rate(), jsonl, jsonlBefore, jsonlAfter, local.rate() / jsonl);
        System.out.printf("throughput, CPU time per event: jsonl %.2f us; kafka %.2f us in the sink's thread, %.2f us in the "
                + "producer's network thread, %.2f us in the broker's process; kafka/jsonl by the sink's thread %.2f%n",
                jsonlCpu / 1e3 / n, local.sinkCpu(), local.networkCpu(), local.brokerCpu(), jsonlCpu / 1e3 / n / local.sinkCpu());
        System.out.println("throughput, the producer: " + local.producer());
        System.out.println("throughput, jsonl's CPU by thread (us per event): " + jsonlThreads);
        System.out.println("throughput, kafka's " + local.threads());

        if (Boolean.getBoolean("kindling.kafka.raw")) {
            rawProducer(events);
        }
        // -Dkindling.kafka.local.settings=KEY=VALUE,...;...: further configurations on the same events, for comparison
        for (String settings : System.getProperty("kindling.kafka.local.settings", "").split(";")) {
            if (!settings.isBlank()) {
                Published q = publish("local-" + Integer.toHexString(settings.hashCode()), settingsOf(settings), events,
                        broker.bootstrap());
                System.out.printf("throughput, local broker, %s: %.0f events/s, %.2f of the defaults' rate; CPU per event "
                        + "%.2f us sink, %.2f us network thread, %.2f us broker; %s%n", settings, q.rate(), q.rate() / local.rate(),
                        q.sinkCpu(), q.networkCpu(), q.brokerCpu(), q.producer());
            }
        }

        long t0 = System.nanoTime();
        Map<String, List<String>> arrived = Topic.read(broker.bootstrap(), "throughput", n, 10_000);
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, List<String>> expected = Jsonl.byKey(reference, HOST);
        assertEquals(n, Topic.count(arrived), "every event arrived once");
        assertEquals(expected.keySet(), arrived.keySet());
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            assertEquals(e.getValue(), arrived.get(e.getKey()), "the events of " + e.getKey() + ", once each and in order");
        }
        System.out.printf("throughput, one plain consumer reading the topic back (4 partitions, values as text): %.0f events/s%n",
                n / readSeconds);

        // -Dkindling.kafka.compare=true: the same events once per codec and through a far link (KafkaCompressionIT
        // checks the codecs in the OSGi framework on every build)
        if (Boolean.getBoolean("kindling.kafka.compare")) {
            compare(events, local);
        }
    }

    /** The same events once per codec (bytes on the wire per event), then through a proxy that holds each segment 5 ms each way. */
    private static void compare(List<KindlingEvent> events, Published local) throws Exception {
        int n = events.size();
        StringBuilder codecs = new StringBuilder(String.format("none %.0f B/event %.0f events/s", local.bytesPerEvent(), local.rate()));
        for (String codec : List.of("lz4", "zstd", "gzip")) {
            Published p = publish("codec-" + codec, Map.of("compression", codec), events, broker.bootstrap());
            assertEquals(n, Topic.countRecords(broker.bootstrap(), "codec-" + codec, n), codec + ": every event readable");
            codecs.append(String.format("; %s %.0f B/event %.0f events/s (CPU per event %.2f us sink, %.2f us broker)",
                    codec, p.bytesPerEvent(), p.rate(), p.sinkCpu(), p.brokerCpu()));
        }
        System.out.printf("throughput, bytes on the wire per event (produce requests, %d events, acks=all): %s%n", n, codecs);

        try (DelayProxy far = broker.farAway(5)) {
            Published p = publish("far", Map.of(), events, broker.farBootstrap());
            assertEquals(n, Topic.countRecords(broker.bootstrap(), "far", n), "every event arrived through the far link");
            System.out.printf("throughput, a broker 5 ms away each way (10 ms more per round trip), the sink's defaults: "
                    + "%.0f events/s, %.2f of the local rate; %s%n", p.rate(), p.rate() / local.rate(), p.producer());
            for (String settings : System.getProperty("kindling.kafka.far.settings", "").split(";")) {
                if (!settings.isBlank()) {
                    String topic = "far-" + Integer.toHexString(settings.hashCode());
                    Published q = publish(topic, settingsOf(settings), events, broker.farBootstrap());
                    System.out.printf("throughput, far broker, %s: %.0f events/s, %.2f of the local rate; %s%n",
                            settings, q.rate(), q.rate() / local.rate(), q.producer());
                }
            }
        }
    }

    /**
     * Waits until the JIT compilers of this JVM and of the broker's are done with what the warm-up
     * gave them (their threads spent at most one clock tick in the last 300 ms), 10 s at most: on a
     * loaded machine they work on for seconds after the warm-up, and what they spend during a measured
     * phase is taken from it.
     */
    private static void awaitCompiled() throws InterruptedException {
        long self = ProcessHandle.current().pid();
        long t0 = System.nanoTime();
        long compiled0 = ThreadsCpu.of(self).millis("CompilerThre") + broker.threadsCpu().millis("CompilerThre");
        long previous = compiled0;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Thread.sleep(300);
            long now = ThreadsCpu.of(self).millis("CompilerThre") + broker.threadsCpu().millis("CompilerThre");
            if (now - previous <= 10) {
                previous = now;
                break;
            }
            previous = now;
        }
        System.out.printf("throughput, after the warm-up the JIT compilers of both JVMs worked %d ms more (CPU), "
                + "waited %d ms%n", previous - compiled0, (System.nanoTime() - t0) / 1_000_000);
    }

    /** The events a replay of {@code capture} delivers, in order. */
    private static List<KindlingEvent> eventsOf(Path capture) throws Exception {
        List<KindlingEvent> events = new java.util.ArrayList<>();
        try (Replay replay = Replay.start(new FileConverter(), new SocketConverter())) {
            replay.add(events::add, "memory", 1 << 20);
            replay.run(capture);
        }
        return events;
    }

    private static double jsonlRate(List<KindlingEvent> events) throws Exception {
        JsonlSink jsonl = Jsonl.open(Path.of("/dev/null"));
        long t0 = System.nanoTime();
        for (KindlingEvent e : events) {
            jsonl.deliver(e);
        }
        jsonl.flush();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Jsonl.close(jsonl);
        return events.size() / seconds;
    }

    /**
     * What publishing a list of events took: events per second until all were acknowledged, produce bytes
     * per event, and CPU microseconds per event of the sending thread, the producer's network thread and the broker.
     */
    private record Published(double rate, double bytesPerEvent, double sinkCpu, double networkCpu, double brokerCpu,
            String producer, String threads) {}

    private static long threadCpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** CPU time of the live threads whose name ends with {@code suffix}. */
    private static long threadsCpu(String suffix) {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null && info.getThreadName().endsWith(suffix)) {
                sum += Math.max(0, mx.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    private static Published publish(String topic, Map<String, Object> settings, List<KindlingEvent> events,
            String bootstrap) throws Exception {
        Map<String, Object> values = new HashMap<>(settings);
        values.put("bootstrap_servers", bootstrap);
        KafkaSink kafka = sink(topic, values, true, "kafka-" + topic);
        String network = "| kindling-probe-" + HOST + "-kafka-" + topic;
        try {
            long cpu0 = threadCpu();
            long network0 = threadsCpu(network);
            long broker0 = broker.cpuNanos();
            ThreadsCpu brokerThreads0 = broker.threadsCpu();
            ThreadsCpu ownThreads0 = ThreadsCpu.of(ProcessHandle.current().pid());
            long uptime0 = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            long brokerUptime0 = broker.uptimeMillis();
            long t0 = System.nanoTime();
            for (KindlingEvent e : events) {
                kafka.deliver(e);
            }
            kafka.flush();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (Boolean.getBoolean("kindling.kafka.jit")) {
                // to find a phase's lines in -XX:+PrintCompilation's output of both JVMs
                System.out.printf("throughput, %s: this JVM's uptime %d to %d ms, the broker's %d to %d ms%n", topic, uptime0,
                        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime(), brokerUptime0, broker.uptimeMillis());
            }
            double perEvent = 1e3 * events.size();
            double sinkCpu = (threadCpu() - cpu0) / perEvent;
            double networkCpu = (threadsCpu(network) - network0) / perEvent;
            double brokerCpu = (broker.cpuNanos() - broker0) / perEvent;
            String threads = "CPU by thread (us per event): this JVM " + ThreadsCpu.of(ProcessHandle.current().pid()).since(ownThreads0, events.size())
                    + " the broker " + broker.threadsCpu().since(brokerThreads0, events.size());
            EventPublisher.Counters c = kafka.counters();
            assertEquals(new EventPublisher.Counters(events.size(), events.size(), 0, 0, c.retries()), c,
                    topic + ": the broker acknowledged every event");
            String producer = String.format("batches of %.0f B on average, %.0f records per request, %.1f ms per request, "
                    + "%.0f%% of the time waiting for buffer memory", kafka.producerMetric("batch-size-avg"),
                    kafka.producerMetric("records-per-request-avg"), kafka.producerMetric("request-latency-avg"),
                    100 * kafka.producerMetric("bufferpool-wait-time-ns-total") / 1e9 / seconds);
            return new Published(events.size() / seconds, kafka.producerMetric("outgoing-byte-total") / events.size(),
                    sinkCpu, networkCpu, brokerCpu, producer, threads);
        } finally {
            kafka.deactivate();
        }
    }

    /**
     * The producer and the broker without the sink: the same events' records, their JSON made before
     * the clock runs, sent by a plain producer with the sink's producer settings (what the kafka path
     * costs beyond the encoding that it shares with jsonl).
     */
    private static void rawProducer(List<KindlingEvent> events) throws Exception {
        String topic = "raw-producer";
        broker.createTopic(topic, 4);
        EventRecords records = new EventRecords(topic, HOST);
        List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> built = new java.util.ArrayList<>();
        for (KindlingEvent e : events) {
            built.add(records.of(e, 4));
        }
        Map<String, Object> values = new HashMap<>(Map.of("bootstrap_servers", broker.bootstrap(), "topic", topic, "host", HOST));
        Map<String, Object> settings = KafkaSink.Settings.of(Replay.config(KafkaSink.Config.class, values), "raw").producer();
        java.util.concurrent.atomic.AtomicLong acknowledged = new java.util.concurrent.atomic.AtomicLong();
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(settings,
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            // each partition's first record alone, as the sink sends it
            for (int p = 0; p < 4; p++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, p, null, new byte[0])).get();
            }
            org.apache.kafka.clients.producer.Callback counting = (m, x) -> {
                if (x == null) {
                    acknowledged.incrementAndGet();
                }
            };
            // once to compile this loop's code, then measured
            for (var r : built) {
                producer.send(r, counting);
            }
            producer.flush();
            awaitCompiled();
            acknowledged.set(0);
            long cpu0 = threadCpu();
            ThreadsCpu brokerThreads0 = broker.threadsCpu();
            ThreadsCpu ownThreads0 = ThreadsCpu.of(ProcessHandle.current().pid());
            long t0 = System.nanoTime();
            for (var r : built) {
                producer.send(r, counting);
            }
            producer.flush();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(events.size(), acknowledged.get(), "the broker acknowledged every record");
            System.out.printf("throughput, a plain producer with the sink's settings, the records made before: %.0f events/s; "
                    + "CPU per event %.2f us in the sending thread; CPU by thread (us per event): this JVM %s the broker %s%n",
                    events.size() / seconds, (threadCpu() - cpu0) / 1e3 / events.size(),
                    ThreadsCpu.of(ProcessHandle.current().pid()).since(ownThreads0, events.size()),
                    broker.threadsCpu().since(brokerThreads0, events.size()));
        }
    }

    /** {@code KEY=VALUE,...} of the sink's configuration, numbers as numbers. */
    private static Map<String, Object> settingsOf(String text) {
        Map<String, Object> out = new HashMap<>();
        for (String kv : text.split(",")) {
            String[] parts = kv.trim().split("=", 2);
            out.put(parts[0], parts[1].matches("\\d+") ? (Object) Integer.valueOf(parts[1]) : parts[1]);
        }
        return out;
    }

    // ---- helpers

    static KafkaSink sink(String topic, Map<String, Object> settings) throws Exception {
        return sink(topic, settings, true);
    }

    static KafkaSink sink(String topic, Map<String, Object> settings, boolean createTopic) throws Exception {
        return sink(topic, settings, createTopic, "kafka");
    }

    static KafkaSink sink(String topic, Map<String, Object> settings, boolean createTopic, String name) throws Exception {
        if (createTopic) {
            broker.createTopic(topic, 4);
        }
        Map<String, Object> values = new HashMap<>(settings);
        values.putIfAbsent("bootstrap_servers", broker.bootstrap());
        // -Dkindling.kafka.inflight=1: every test with one request in flight, to compare
        values.putIfAbsent("max_in_flight", Integer.getInteger("kindling.kafka.inflight", 5));
        values.put("topic", topic);
        values.put("host", HOST);
        values.put("retry_backoff_max_ms", 500);
        return new KafkaSink(Replay.config(KafkaSink.Config.class, values), name);
    }

    static Path generate(Scenario scenario, long events) throws Exception {
        Path p = dir.resolve(scenario.cliName() + "-" + events + ".scap");
        if (!Files.exists(p)) {
            CaptureGenerator.generate(scenario, events, 42, p);
        }
        return p;
    }

    static SinkStatistics sinkStats(Statistics stats, String name) {
        return stats.sinks().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** Waits until the producer has acknowledgements for {@code n} events and nothing pending. */
    static EventPublisher.Counters awaitSent(KafkaSink kafka, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            EventPublisher.Counters c = kafka.counters();
            if (c.acknowledged() + c.failed() >= n && c.pending() == 0) {
                return c;
            }
            if (System.nanoTime() > deadline) {
                fail("the producer did not finish: " + c + ", expected " + n);
            }
            Thread.sleep(20);
        }
    }

    static void awaitDelivered(Replay replay, String sink, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (sinkStats(replay.control().statistics(), sink).delivered() < n) {
            if (System.nanoTime() > deadline) {
                fail("the sink's queue did not drain: " + sinkStats(replay.control().statistics(), sink));
            }
            Thread.sleep(20);
        }
    }

    static SinkStatistics awaitQueueEmpty(Replay replay, String sink) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            SinkStatistics s = sinkStats(replay.control().statistics(), sink);
            if (s.queued() == 0) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                fail("the sink's queue did not drain: " + s);
            }
            Thread.sleep(20);
        }
    }

    static void assertSubsequence(List<String> whole, List<String> part, String key) {
        assertTrue(whole != null, "unexpected key " + key);
        Iterator<String> it = whole.iterator();
        int matched = 0;
        for (String p : part) {
            boolean found = false;
            while (it.hasNext()) {
                if (it.next().equals(p)) {
                    found = true;
                    break;
                }
            }
            assertTrue(found, key + ": event " + matched + " arrived out of order or twice: " + p);
            matched++;
        }
    }

    /** Stops the broker when the sink gets event number {@code at}, and starts it again {@code downMillis} later. */
    static final class BrokerStop implements Sink {
        private final Sink target;
        private final long at;
        private final long downMillis;
        private long count;
        private Thread restarter;
        private volatile long stoppedAt;
        private volatile long startedAt;
        /** Events the broker had acknowledged when it came back (-1: the target is not a Kafka sink). */
        private volatile long acknowledgedAtRestart = -1;
        private volatile Throwable failure;

        BrokerStop(Sink target, long at, long downMillis) {
            this.target = target;
            this.at = at;
            this.downMillis = downMillis;
        }

        @Override
        public void deliver(KindlingEvent event) throws Exception {
            if (++count == at) {
                broker.stop();
                stoppedAt = System.nanoTime();
                restarter = new Thread(() -> {
                    try {
                        Thread.sleep(downMillis);
                        if (target instanceof KafkaSink k) {
                            acknowledgedAtRestart = k.counters().acknowledged();
                        }
                        broker.start();
                        startedAt = System.nanoTime();
                    } catch (Throwable t) {
                        failure = t;
                    }
                }, "broker-restart");
                restarter.start();
            }
            target.deliver(event);
        }

        @Override
        public void flush() throws Exception {
            target.flush();
        }

        @Override
        public Map<String, Long> statistics() {
            return target.statistics();
        }

        void awaitRestart() throws Exception {
            assertTrue(restarter != null, "the broker was stopped");
            restarter.join(TimeUnit.SECONDS.toMillis(90));
            if (failure != null) {
                throw new AssertionError("the broker did not start again", failure);
            }
            assertTrue(startedAt != 0, "the broker was started again");
        }

        long acknowledgedAtRestart() {
            return acknowledgedAtRestart;
        }

        long downMillis() {
            return (startedAt - stoppedAt) / 1_000_000;
        }
    }

    /** Notes when a sink finished its last flush (the end of a run comes with one). */
    static final class Timed implements Sink {
        private final Sink target;
        volatile long lastFlushEnd;

        Timed(Sink target) {
            this.target = target;
        }

        @Override
        public void deliver(KindlingEvent event) throws Exception {
            target.deliver(event);
        }

        @Override
        public void flush() throws Exception {
            target.flush();
            lastFlushEnd = System.nanoTime();
        }
    }
}

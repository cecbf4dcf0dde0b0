package io.kindling.probe.sink.kafka;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Kafka broker and a producer and a consumer of it, for the live request test, in a JVM of its own: it starts the
 * broker ({@link KafkaBroker}, in a further JVM, its request log on), creates the topic, prints
 * {@code bootstrap HOST:PORT} and then answers each line of its standard input:
 * <ul>
 * <li>{@code run N}: a producer sends N records one at a time, each waiting for its acknowledgement, then a
 * consumer assigned to the topic's partition fetches them from the start; answers {@code done produced N fetched M}.</li>
 * </ul>
 * The clients' own record of each request they sent and each response they received is the kafka client's
 * {@code NetworkClient} log at debug level, which the JVM's options send to a file (see the test); the broker's is
 * its request log. When its standard input ends it stops the broker and exits.
 */
public final class RequestsKafkaHost {
    public static final String TOPIC = "orders";

    private RequestsKafkaHost() {}

    /** Arguments: the broker's directory. */
    public static void main(String[] args) throws Exception {
        PrintStream answers = System.out;
        System.setOut(System.err);
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        // the broker logs each request it completed: api, version, correlation id, client id, times
        System.setProperty("kindling.test.broker.jvm", "-Dorg.slf4j.simpleLogger.log.kafka.request.logger=debug");
        try (KafkaBroker broker = KafkaBroker.start(dir)) {
            broker.createTopic(TOPIC, 1);
            answers.println("bootstrap " + broker.bootstrap());
            answers.flush();
            BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = commands.readLine()) != null; ) {
                String[] words = line.trim().split(" ");
                if (words.length == 2 && words[0].equals("run")) {
                    answers.println(run(broker.bootstrap(), Integer.parseInt(words[1])));
                } else {
                    answers.println("error unknown command: " + line);
                }
                answers.flush();
            }
        }
    }

    private static String run(String bootstrap, int records) throws Exception {
        int produced = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, "requests-producer", ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("order " + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
                produced++;
            }
        }
        int fetched = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.CLIENT_ID_CONFIG, "requests-consumer", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (fetched < records && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    fetched++;
                }
            }
        }
        return "done produced " + produced + " fetched " + fetched;
    }
}

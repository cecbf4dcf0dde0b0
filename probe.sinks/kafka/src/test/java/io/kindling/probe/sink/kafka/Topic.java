package io.kindling.probe.sink.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic back: every record's value by key, in partition order. */
final class Topic {

    private Topic() {}

    /** Reads until {@code expected} records arrived, or nothing more came for {@code quietMillis}. */
    static Map<String, List<String>> read(String bootstrap, String topic, long expected, long quietMillis) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = fromBeginning(bootstrap, topic)) {
            long count = 0;
            long lastRecord = System.nanoTime();
            while (count < expected && System.nanoTime() - lastRecord < TimeUnit.MILLISECONDS.toNanos(quietMillis)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                            .add(new String(r.value(), StandardCharsets.UTF_8));
                    count++;
                    lastRecord = System.nanoTime();
                }
            }
            // a last look for records beyond the expected count (duplicates)
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                        .add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return byKey;
    }

    /** Counts the topic's records (each one read, its batch decompressed) until {@code expected} came or none for 10 s. */
    static long countRecords(String bootstrap, String topic, long expected) {
        try (KafkaConsumer<byte[], byte[]> consumer = fromBeginning(bootstrap, topic)) {
            long count = 0;
            long lastRecord = System.nanoTime();
            while (count < expected && System.nanoTime() - lastRecord < TimeUnit.SECONDS.toNanos(10)) {
                int n = consumer.poll(Duration.ofMillis(200)).count();
                if (n > 0) {
                    count += n;
                    lastRecord = System.nanoTime();
                }
            }
            return count + consumer.poll(Duration.ofMillis(500)).count();
        }
    }

    /** A plain consumer of all the topic's partitions, from their beginning (also the integration tests' topic host's). */
    static KafkaConsumer<byte[], byte[]> fromBeginning(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    static long count(Map<String, List<String>> byKey) {
        return byKey.values().stream().mapToLong(List::size).sum();
    }
}

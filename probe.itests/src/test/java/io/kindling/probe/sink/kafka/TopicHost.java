package io.kindling.probe.sink.kafka;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The integration tests' Kafka broker and topic reader, in a JVM of its own outside the OSGi
 * framework: a test started in the framework runs it with the test class path
 * ({@code io.kindling.probe.itests.support.KafkaTopic}). It starts a broker ({@link KafkaBroker}, in a
 * further JVM), creates the topic, prints {@code bootstrap HOST:PORT} and then answers on its
 * standard output each line of its standard input:
 * <ul>
 * <li>{@code count N}: reads the records that arrived in the (first) topic since the previous count, with a
 * plain consumer, until N came or none came for 15 s, and a little longer for records beyond N;
 * answers {@code records COUNT unexpected COUNT keys COUNT}, where unexpected counts the values that
 * are not a syscall exit of one of the event names given at the start.</li>
 * <li>{@code count TOPIC N}: the same for all the records of one of the topics, with a consumer of its own.</li>
 * <li>{@code codecs TOPIC}: the compression codecs of the record batches in the topic's log segments,
 * as the broker stored them: {@code codecs NAME,...}.</li>
 * </ul>
 * When its standard input ends (the test is done, or its JVM is gone) it stops the broker and exits.
 */
public final class TopicHost {

    private static final long QUIET_MILLIS = 15_000;

    private TopicHost() {}

    /**
     * Arguments: the broker's directory, the topics (comma-separated: the first is the one {@code count N}
     * reads), their partitions, and the event names their values may have (comma-separated).
     */
    public static void main(String[] args) throws Exception {
        PrintStream answers = System.out;
        System.setOut(System.err); // the clients' and the broker launcher's output stays off the answers
        Path dir = Path.of(args[0]);
        List<String> topics = List.of(args[1].split(","));
        String topic = topics.get(0);
        int partitions = Integer.parseInt(args[2]);
        List<String> prefixes = new ArrayList<>();
        for (String name : args[3].split(",")) {
            prefixes.add("{\"name\":\"" + name + "\"");
        }
        Files.createDirectories(dir);
        try (KafkaBroker broker = KafkaBroker.start(dir)) {
            for (String t : topics) {
                broker.createTopic(t, partitions);
            }
            try (KafkaConsumer<byte[], byte[]> consumer = Topic.fromBeginning(broker.bootstrap(), topic)) {
                answers.println("bootstrap " + broker.bootstrap());
                answers.flush();
                BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                for (String line; (line = commands.readLine()) != null; ) {
                    String[] words = line.trim().split(" ");
                    if (words.length == 2 && words[0].equals("count")) {
                        answers.println(count(consumer, Long.parseLong(words[1]), prefixes));
                    } else if (words.length == 3 && words[0].equals("count") && topics.contains(words[1])) {
                        try (KafkaConsumer<byte[], byte[]> own = Topic.fromBeginning(broker.bootstrap(), words[1])) {
                            answers.println(count(own, Long.parseLong(words[2]), prefixes));
                        }
                    } else if (words.length == 2 && words[0].equals("codecs") && topics.contains(words[1])) {
                        answers.println("codecs " + String.join(",", codecs(dir.resolve("data"), words[1])));
                    } else {
                        answers.println("error unknown command: " + line);
                    }
                    answers.flush();
                }
            }
        }
    }

    /** The compression codecs of the record batches in the log segments of the topic's partitions. */
    private static java.util.SortedSet<String> codecs(Path data, String topic) throws java.io.IOException {
        java.util.SortedSet<String> codecs = new java.util.TreeSet<>();
        try (java.util.stream.Stream<Path> files = Files.walk(data)) {
            for (Path segment : files.filter(f -> f.getParent().getFileName().toString().startsWith(topic + "-")
                    && f.getFileName().toString().endsWith(".log")).toList()) {
                try (org.apache.kafka.common.record.FileRecords records = org.apache.kafka.common.record.FileRecords.open(segment.toFile())) {
                    for (org.apache.kafka.common.record.RecordBatch batch : records.batches()) {
                        codecs.add(batch.compressionType().name);
                    }
                }
            }
        }
        return codecs;
    }

    /** Reads on from where the previous count stopped. */
    private static String count(KafkaConsumer<byte[], byte[]> consumer, long expected, List<String> prefixes) {
        long[] counts = new long[2]; // records, unexpected values
        Set<String> keys = new HashSet<>();
        long lastRecord = System.nanoTime();
        while (counts[0] < expected && System.nanoTime() - lastRecord < TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS)) {
            if (take(consumer.poll(Duration.ofMillis(200)), prefixes, counts, keys)) {
                lastRecord = System.nanoTime();
            }
        }
        take(consumer.poll(Duration.ofMillis(200)), prefixes, counts, keys); // records beyond the expected ones: duplicates
        return "records " + counts[0] + " unexpected " + counts[1] + " keys " + keys.size();
    }

    private static boolean take(Iterable<ConsumerRecord<byte[], byte[]>> records, List<String> prefixes, long[] counts, Set<String> keys) {
        boolean any = false;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            any = true;
            counts[0]++;
            String value = new String(r.value(), StandardCharsets.UTF_8);
            if (prefixes.stream().noneMatch(value::startsWith) || !value.contains("\"source\":\"syscall_exit\"")) {
                counts[1]++;
            }
            keys.add(r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8));
        }
        return any;
    }
}

package io.kindling.probe.itests.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kafka broker with one topic, outside the OSGi framework: a child JVM on the test class path
 * (which failsafe sets from the module's test dependencies: kafka_2.13, kafka-clients and the kafka
 * sink's test jar) runs {@code io.kindling.probe.sink.kafka.TopicHost}, which starts the broker in a
 * JVM of its own and counts the topic's records with a plain consumer when asked. Nothing of Kafka is
 * loaded in the framework's JVM by this class: it talks to the child over its standard input and output,
 * and the child stops the broker when that input ends, also when this JVM dies.
 */
public final class KafkaTopic implements AutoCloseable {

    static final String HOST_MAIN = "io.kindling.probe.sink.kafka.TopicHost";

    private final Path dir;
    private final Process process;
    private final BufferedReader answers;
    private final Writer commands;
    private final String bootstrap;

    private KafkaTopic(Path dir, Process process) throws IOException {
        this.dir = dir;
        this.process = process;
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        String first = answer(TimeUnit.MINUTES.toMillis(3));
        if (!first.startsWith("bootstrap ")) {
            throw new IOException("the broker's host answered '" + first + "'");
        }
        this.bootstrap = first.substring("bootstrap ".length());
    }

    /**
     * Starts a broker under a new folder of {@code work} with {@code topic} ({@code partitions}
     * partitions), whose records' values are expected to be syscall exits named one of {@code names}.
     */
    public static KafkaTopic start(Path work, String topic, int partitions, List<String> names) throws IOException {
        return start(work, List.of(topic), partitions, names);
    }

    /** The same with several topics: {@link #count(long)} reads the first, {@link #count(String, long)} any of them. */
    public static KafkaTopic start(Path work, List<String> topics, int partitions, List<String> names) throws IOException {
        Files.createDirectories(work);
        Path dir = Files.createTempDirectory(work, "kafka-");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                HOST_MAIN, dir.resolve("broker").toString(), String.join(",", topics), Integer.toString(partitions), String.join(",", names)));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("host.log").toFile())).start();
        try {
            return new KafkaTopic(dir, process);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** What a count found: the records read, those whose value was not expected, the distinct keys. */
    public record Count(long records, long unexpected, long keys) {}

    /** Reads the records that arrived since the previous count, until {@code expected} came (or none for 15 s). */
    public Count count(long expected) throws IOException {
        return parse(ask("count " + expected, TimeUnit.MINUTES.toMillis(2)));
    }

    /** Reads all the records of {@code topic} with a consumer of its own, until {@code expected} came (or none for 15 s). */
    public Count count(String topic, long expected) throws IOException {
        return parse(ask("count " + topic + " " + expected, TimeUnit.MINUTES.toMillis(2)));
    }

    /** The compression codecs of the record batches the broker stored for {@code topic} ({@code none}, {@code lz4}, ...). */
    public List<String> codecs(String topic) throws IOException {
        String answer = ask("codecs " + topic, TimeUnit.MINUTES.toMillis(1));
        if (!answer.startsWith("codecs")) {
            throw new IOException("the broker's host answered '" + answer + "'");
        }
        String list = answer.substring("codecs".length()).trim();
        return list.isEmpty() ? List.of() : List.of(list.split(","));
    }

    private String ask(String command, long timeoutMillis) throws IOException {
        commands.write(command + "\n");
        commands.flush();
        return answer(timeoutMillis);
    }

    private static Count parse(String answer) throws IOException {
        String[] w = answer.split(" ");
        if (w.length != 6 || !w[0].equals("records")) {
            throw new IOException("the broker's host answered '" + answer + "'");
        }
        return new Count(Long.parseLong(w[1]), Long.parseLong(w[3]), Long.parseLong(w[5]));
    }

    /** The next line of the child's answers; polls, so that no thread of this JVM waits on it. */
    private String answer(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!answers.ready()) {
            if (!process.isAlive()) {
                throw new IOException("the broker's host exited with " + process.exitValue() + ": see " + dir);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the broker's host did not answer within " + timeoutMillis / 1000 + " s: see " + dir);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        String line = answers.readLine();
        if (line == null) {
            throw new IOException("the broker's host closed its output: see " + dir);
        }
        return line;
    }

    /** Ends the child (which stops the broker) and removes the broker's data; its logs stay. */
    @Override
    public void close() throws IOException, InterruptedException {
        commands.close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        Path data = dir.resolve("broker").resolve("data");
        if (Files.isDirectory(data)) {
            try (Stream<Path> files = Files.walk(data)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}

package io.kindling.probe.sink.kafka;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A real Kafka broker for the tests: KRaft mode, broker and controller in one child JVM, from the
 * kafka_2.13 artifacts on the test class path, listening on loopback ports. It can be stopped and
 * started again on the same ports and log directory, as a broker restarts.
 */
final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final int farPort;
    private final int farAdvertisedPort;
    private final Path properties;
    private Process process;

    private KafkaBroker(Path dir, int port, int farPort, int farAdvertisedPort, Path properties) {
        this.dir = dir;
        this.port = port;
        this.farPort = farPort;
        this.farAdvertisedPort = farAdvertisedPort;
        this.properties = properties;
    }

    /** Formats a log directory under {@code dir} and starts the broker; skips the test without kafka_2.13. */
    static KafkaBroker start(Path dir) throws Exception {
        try {
            Class.forName("kafka.Kafka");
        } catch (ClassNotFoundException e) {
            assumeTrue(false, "kafka_2.13 (the broker) is not on the test class path");
        }
        int port = freePort();
        int controllerPort = freePort();
        // a second listener that tells its clients to connect to another port, where a test may put a
        // proxy in between (DelayProxy: a broker far away), so that every connection goes through it
        int farPort = freePort();
        int farAdvertisedPort = freePort();
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",FAR://127.0.0.1:" + farPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + ",FAR://127.0.0.1:" + farAdvertisedPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,FAR:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=4",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=true",
                "") );
        KafkaBroker broker = new KafkaBroker(dir, port, farPort, farAdvertisedPort, properties);
        int formatted = broker.java("kafka.tools.StorageTool", "format", "-t", clusterId(), "-c", properties.toString())
                .waitFor();
        if (formatted != 0) {
            throw new IOException("formatting the broker's log directory failed:\n" + broker.logTail());
        }
        broker.start();
        return broker;
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /**
     * Puts a proxy that delays every segment by {@code delayMillis} each way in front of the broker's
     * second listener; clients bootstrapped at {@code "127.0.0.1:" + proxy port} reach the broker only through it.
     */
    DelayProxy farAway(long delayMillis) throws IOException {
        return new DelayProxy(farAdvertisedPort, new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), farPort),
                delayMillis);
    }

    /** Where a client reaches the broker through {@link #farAway}'s proxy. */
    String farBootstrap() {
        return "127.0.0.1:" + farAdvertisedPort;
    }

    /**
     * Creates a topic and waits until every partition has its leader, as an operator prepares the
     * topic a fleet writes to. (Writing to a topic that the first write creates can lose or stall an
     * idempotent producer's first batch on brokers before the fix of KAFKA-15591.)
     */
    void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, partitions, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                Object description;
                try {
                    var d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
                    if (d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                        return;
                    }
                    description = d;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                    description = "not known yet to the broker that answered"; // the new topic's metadata is on its way
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("topic " + topic + " has partitions without a leader: " + description);
                }
                Thread.sleep(50);
            }
        }
    }

    /** The CPU time the broker's process used so far, in nanoseconds (0 when the system does not tell). */
    synchronized long cpuNanos() {
        return process == null ? 0 : process.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    /** How long the broker's process has run, in milliseconds (0 when the system does not tell). */
    synchronized long uptimeMillis() {
        return process == null ? 0 : process.info().startInstant()
                .map(start -> java.time.Duration.between(start, java.time.Instant.now()).toMillis()).orElse(0L);
    }

    /** The CPU time of the broker's threads so far, by thread name (empty while it is stopped). */
    synchronized ThreadsCpu threadsCpu() {
        return ThreadsCpu.of(process == null ? -1 : process.pid());
    }

    /** Starts the broker and waits until it answers. */
    synchronized void start() throws Exception {
        process = java("kafka.Kafka", properties.toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000))) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("the broker exited with " + process.exitValue() + ":\n" + logTail());
                }
                try {
                    admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("the broker did not answer in 60 s: see " + dir.resolve("broker.log"), notYet);
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    /** Stops the broker as an operator would (SIGTERM, controlled shutdown) and waits until it is gone. */
    synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private Process java(String main, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        // -Dkindling.test.broker.cpus=LIST: the broker's JVM on these CPUs only (taskset), to measure it apart
        String cpus = System.getProperty("kindling.test.broker.cpus", "");
        if (!cpus.isBlank()) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC"));
        // further options for the broker's JVM, such as a flight recording of a benchmark
        for (String option : System.getProperty("kindling.test.broker.jvm", "").split(" ")) {
            if (!option.isBlank()) {
                command.add(option);
            }
        }
        command.addAll(List.of("-cp", brokerClassPath(), main));
        command.addAll(List.of(args));
        File log = dir.resolve("broker.log").toFile();
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    /** The end of the broker's output, for a failure message (the test's directory goes away with it). */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("broker.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no broker.log: " + e + ")";
        }
    }

    /** The test class path without the probe's own jars and classes, which the broker does not need. */
    private static String brokerClassPath() {
        StringBuilder b = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String file = Path.of(entry).getFileName().toString();
            if (entry.endsWith(".jar") && !file.startsWith("probe.")) {
                b.append(b.length() == 0 ? "" : File.pathSeparator).append(entry);
            }
        }
        return b.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A cluster id as Kafka makes them (never starting with '-', which the storage tool would take for an option). */
    private static String clusterId() {
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }
}

package io.kindling.probe.generator.internal;

import java.util.zip.CRC32C;

/**
 * Producers and consumers talking to a Kafka broker as the Java client does: each connection starts with
 * {@code ApiVersions} (version 3) and {@code Metadata} (version 12), then sends {@code Produce} (versions 7 and 9:
 * the classic and the flexible encoding) with a record batch of one to three records, and {@code Fetch} (versions
 * 11 and 12, and 16 that names its topic by the id the Metadata answer gave) of a partition, each with its own
 * correlation id. Some answers carry errors: a Produce to a partition
 * whose leader moved ({@code NOT_LEADER_OR_FOLLOWER}, 6) or to a topic that does not exist
 * ({@code UNKNOWN_TOPIC_OR_PARTITION}, 3), a Fetch of an incremental session the broker forgot
 * ({@code FETCH_SESSION_ID_NOT_FOUND}, 70).
 *
 * <p>The client is a Java service (producer and consumer in one process, two threads), the server a broker on port
 * 9092; one connection at a time, kept for many requests; once started, the client sends two or three requests
 * before it reads their answers (the broker answers in order); now and then the broker goes away without
 * answering.
 *
 * <p>The truth logged for each request: the API, its version, the correlation id, the topic of a Produce or Fetch,
 * and the error code as the probe's documentation defines it (a Produce's first partition's, a Fetch's top-level
 * one from version 7 on, ApiVersions' own; none for Metadata).
 */
final class KafkaWorkload extends SessionWorkload {

    static final short NONE = 0;
    static final short UNKNOWN_TOPIC_OR_PARTITION = 3;
    static final short NOT_LEADER_OR_FOLLOWER = 6;
    static final short FETCH_SESSION_ID_NOT_FOUND = 70;

    private static final int[] FETCH_VERSIONS = {11, 12, 16};
    private static final String[] TOPICS = {"orders", "payments", "clicks"};
    private static final String MISSING_TOPIC = "orders-retry";
    private static final long[] TOPIC_IDS = {0x5c1f0a9e3b2d4e71L, 0x9a0b7c6d5e4f3a21L, 0x1234fedc5678ba90L};
    private static final String CLUSTER_ID = "q1Sh-9_ISia_zwGINzRvyQ";
    private static final byte[] VALUE_OPEN = Bytes.ascii("{\"order\":");
    private static final byte[] VALUE_CLOSE = Bytes.ascii(",\"amount\":1999,\"currency\":\"EUR\"}");

    /** The correlation id of the connection's last request; 0 before its first. */
    private int correlation;
    private long offset = 41_000;
    private long timestamp = 1_796_200_000_000L;
    private int fetchSession;
    /** Where the head of the message just built ends (the bytes the probe reads its attributes from). */
    private int requestHead;
    private int responseHead;
    private final String clientId;
    private final Bytes batch = new Bytes(2048);
    private final Bytes value = new Bytes(256);
    private final CRC32C crc = new CRC32C();

    KafkaWorkload() {
        super(20, 200);
        this.clientId = "orders-service-1";
    }

    @Override
    public String protocol() {
        return "kafka";
    }

    @Override
    public Proc server() {
        return new Proc(4400, "java", "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", new String[] {"-Xmx1G",
            "-Dkafka.logs.dir=/opt/kafka/logs", "-cp", "/opt/kafka/libs/*", "kafka.Kafka", "/opt/kafka/config/kraft/server.properties"},
            "/opt/kafka", 0, 3);
    }

    @Override
    public Proc client() {
        return new Proc(4410, "java", "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", new String[] {"-jar",
            "/opt/orders/orders-service.jar"}, "/opt/orders", 1000, 2);
    }

    @Override
    public int port() {
        return 9092;
    }

    /** Two or three at once once the connection has started (small messages: each starts within a call's kept bytes). */
    @Override
    public int pipeline(Rng rng) {
        return connected() && correlation >= 2 && rng.percent(40) ? rng.between(2, 3) : 1;
    }

    @Override
    void exchange(Exchange x, Rng rng, boolean first) {
        if (first) {
            correlation = 0;
            fetchSession = 0;
        }
        x.handlerNs = 1000L * rng.between(50, 2000);
        requestHead = 0;
        responseHead = 0;
        Bytes request = x.request;
        Bytes response = x.response;
        int id = ++correlation;
        if (id == 1) {
            apiVersions(request, response, id);
            expectApi(x, "ApiVersions", 3, id, null);
            expectError(x, NONE);
        } else if (id == 2) {
            metadata(request, response, id);
            expectApi(x, "Metadata", 12, id, null);
        } else if (rng.percent(55)) {
            int version = rng.percent(50) ? 7 : 9;
            boolean missing = rng.perMille(15);
            int t = rng.nextInt(TOPICS.length);
            String topic = missing ? MISSING_TOPIC : TOPICS[t];
            short error = missing ? UNKNOWN_TOPIC_OR_PARTITION : rng.perMille(20) ? NOT_LEADER_OR_FOLLOWER : NONE;
            produce(request, response, id, version, topic, rng.nextInt(3), 1 + rng.nextInt(3), error, rng);
            expectApi(x, "Produce", version, id, topic);
            expectError(x, error);
        } else {
            // the classic encoding, the flexible one, and topics by id as current Java clients send them
            int version = FETCH_VERSIONS[rng.nextInt(FETCH_VERSIONS.length)];
            String topic = TOPICS[rng.nextInt(TOPICS.length)];
            short error = fetchSession != 0 && rng.perMille(15) ? FETCH_SESSION_ID_NOT_FOUND : NONE;
            int records = fetch(request, response, id, version, topic, rng.nextInt(3), error, rng);
            // a Fetch waits on the broker for data up to its max wait (500 ms): one that finds none is slow
            x.handlerNs = records == 0 && error == NONE ? 500_000_000L + 1000L * rng.between(20, 400) : 1000L * rng.between(200, 60_000);
            expectApi(x, "Fetch", version, id, topic);
            expectError(x, error);
        }
        // a message may go in several calls, cut at any byte after its size (inside its head too); a Metadata
        // answer, whose topic ids the client needs, in one
        x.requestHead = requestHead > 0 ? 4 : 0;
        x.responseHead = responseHead > 0 ? 4 : 0;
        if (id > 2) {
            serverGoesAway(x, rng, 2);
        }
    }

    private static void expectApi(Exchange x, String api, int version, int id, String topic) {
        x.fromRequest("content_key", topic != null ? topic : api).fromRequest("kafka_api", api)
                .fromRequest("kafka_version", version).fromRequest("kafka_id", id);
        if (topic != null) {
            x.fromRequest("kafka_topic", topic);
        }
    }

    private static void expectError(Exchange x, short error) {
        x.fromResponse("kafka_error_code", error);
        x.error = error != 0;
    }

    // ---- requests and responses

    private void apiVersions(Bytes request, Bytes response, int id) {
        int at = requestHeader(request, 18, 3, id);
        compactString(request, "apache-kafka-java");
        compactString(request, "3.7.0");
        Wire.u8(request, 0);
        Wire.be32At(request, at, request.n - at - 4);

        at = response.n;
        Wire.be32(response, 0);
        Wire.be32(response, id); // ApiVersions answers with the header of version 0, even when flexible
        Wire.be16(response, NONE);
        responseHead = response.n;
        int[][] apis = {{0, 0, 11}, {1, 0, 16}, {2, 0, 8}, {3, 0, 12}, {8, 0, 9}, {9, 0, 9}, {10, 0, 4}, {11, 0, 9},
            {12, 0, 4}, {13, 0, 5}, {14, 0, 5}, {18, 0, 3}, {19, 0, 7}, {22, 0, 4}};
        Wire.uvarint(response, apis.length + 1);
        for (int[] api : apis) {
            Wire.be16(response, api[0]);
            Wire.be16(response, api[1]);
            Wire.be16(response, api[2]);
            Wire.u8(response, 0);
        }
        Wire.be32(response, 0); // throttle
        Wire.u8(response, 0);
        Wire.be32At(response, at, response.n - at - 4);
    }

    private void metadata(Bytes request, Bytes response, int id) {
        int at = requestHeader(request, 3, 12, id);
        Wire.uvarint(request, TOPICS.length + 1);
        for (String topic : TOPICS) {
            Wire.be64(request, 0);
            Wire.be64(request, 0); // no topic id: by name
            compactString(request, topic);
            Wire.u8(request, 0);
        }
        Wire.u8(request, 1); // allow auto topic creation
        Wire.u8(request, 0); // no authorized operations
        Wire.u8(request, 0);
        Wire.be32At(request, at, request.n - at - 4);

        at = responseHeader(response, id, true);
        Wire.be32(response, 0); // throttle
        Wire.uvarint(response, 2); // one broker
        Wire.be32(response, 1);
        compactString(response, "127.0.0.1");
        Wire.be32(response, 9092);
        Wire.u8(response, 0); // no rack
        Wire.u8(response, 0);
        compactString(response, CLUSTER_ID);
        Wire.be32(response, 1); // controller
        Wire.uvarint(response, TOPICS.length + 1);
        for (int t = 0; t < TOPICS.length; t++) {
            Wire.be16(response, NONE);
            compactString(response, TOPICS[t]);
            Wire.be64(response, TOPIC_IDS[t]);
            Wire.be64(response, ~TOPIC_IDS[t]);
            Wire.u8(response, 0); // not internal
            Wire.uvarint(response, 4); // three partitions
            for (int p = 0; p < 3; p++) {
                Wire.be16(response, NONE);
                Wire.be32(response, p);
                Wire.be32(response, 1); // leader
                Wire.be32(response, 0); // leader epoch
                for (int list = 0; list < 2; list++) { // replicas, in-sync replicas
                    Wire.uvarint(response, 2);
                    Wire.be32(response, 1);
                }
                Wire.uvarint(response, 1); // no offline replica
                Wire.u8(response, 0);
            }
            Wire.be32(response, Integer.MIN_VALUE); // authorized operations not asked
            Wire.u8(response, 0);
        }
        Wire.u8(response, 0);
        Wire.be32At(response, at, response.n - at - 4);
    }

    private void produce(Bytes request, Bytes response, int id, int version, String topic, int partition, int records,
            short error, Rng rng) {
        boolean flexible = version >= 9;
        recordBatch(records, rng);
        int at = requestHeader(request, 0, version, id);
        if (flexible) {
            Wire.uvarint(request, 0); // no transactional id
        } else {
            Wire.be16(request, -1);
        }
        Wire.be16(request, -1); // acks: all
        Wire.be32(request, 30_000);
        array(request, flexible, 1);
        string(request, flexible, topic);
        requestHead = request.n;
        array(request, flexible, 1);
        Wire.be32(request, partition);
        records(request, flexible);
        if (flexible) {
            Wire.u8(request, 0);
        }
        Wire.be32At(request, at, request.n - at - 4);

        at = responseHeader(response, id, flexible);
        array(response, flexible, 1);
        string(response, flexible, topic);
        array(response, flexible, 1);
        Wire.be32(response, partition);
        Wire.be16(response, error);
        responseHead = response.n;
        Wire.be64(response, error == NONE ? offset : -1);
        Wire.be64(response, -1); // log append time: the producer's
        Wire.be64(response, error == NONE ? 0 : -1);
        if (error == NONE) {
            offset += records;
        }
        String message = error == NOT_LEADER_OR_FOLLOWER ? "This server is not the leader for that topic-partition."
                : error == UNKNOWN_TOPIC_OR_PARTITION ? "This server does not host this topic-partition." : null;
        if (version >= 8) {
            array(response, flexible, 0); // no record errors
            if (flexible) {
                if (message == null) {
                    Wire.u8(response, 0);
                } else {
                    compactString(response, message);
                }
                Wire.u8(response, 0); // partition's tags
                Wire.u8(response, 0); // topic's tags
            } else if (message == null) {
                Wire.be16(response, -1);
            } else {
                string(response, false, message);
            }
        }
        Wire.be32(response, 0); // throttle
        if (flexible) {
            Wire.u8(response, 0);
        }
        Wire.be32At(response, at, response.n - at - 4);
    }

    /** A Fetch and its answer; returns the records the answer carries. */
    private int fetch(Bytes request, Bytes response, int id, int version, String topic, int partition, short error, Rng rng) {
        boolean flexible = version >= 12;
        int at = requestHeader(request, 1, version, id);
        if (version < 15) {
            Wire.be32(request, -1); // replica id: a consumer (from version 15 on, a tagged field of brokers only)
        }
        Wire.be32(request, 500); // max wait
        Wire.be32(request, 1); // min bytes
        Wire.be32(request, 52_428_800); // max bytes
        Wire.u8(request, 0); // read uncommitted
        Wire.be32(request, fetchSession);
        Wire.be32(request, fetchSession == 0 ? 0 : 1 + rng.nextInt(1000)); // session epoch
        array(request, flexible, 1);
        topic(request, version, topic);
        requestHead = request.n;
        array(request, flexible, 1);
        Wire.be32(request, partition);
        Wire.be32(request, 0); // current leader epoch
        Wire.be64(request, offset);
        if (flexible) {
            Wire.be32(request, -1); // last fetched epoch
        }
        Wire.be64(request, -1); // log start offset
        Wire.be32(request, 1_048_576);
        if (flexible) {
            Wire.u8(request, 0); // partition's tags
            Wire.u8(request, 0); // topic's tags
        }
        array(request, flexible, 0); // forgotten topics
        string(request, flexible, ""); // rack
        if (flexible) {
            Wire.u8(request, 0);
        }
        Wire.be32At(request, at, request.n - at - 4);

        at = responseHeader(response, id, flexible);
        Wire.be32(response, 0); // throttle
        Wire.be16(response, error);
        responseHead = response.n;
        int records = 0;
        if (error != NONE) {
            fetchSession = 0;
            Wire.be32(response, 0);
            array(response, flexible, 0);
        } else {
            if (fetchSession == 0) {
                fetchSession = 100_000 + rng.nextInt(900_000);
            }
            Wire.be32(response, fetchSession);
            array(response, flexible, 1);
            topic(response, version, topic);
            array(response, flexible, 1);
            Wire.be32(response, partition);
            Wire.be16(response, NONE);
            records = rng.percent(15) ? 0 : 1 + rng.nextInt(3);
            Wire.be64(response, offset + records); // high watermark
            Wire.be64(response, offset + records); // last stable offset
            Wire.be64(response, 0); // log start offset
            if (flexible) {
                Wire.uvarint(response, 1); // no aborted transaction
            } else {
                Wire.be32(response, 0);
            }
            Wire.be32(response, -1); // no preferred read replica
            if (records == 0) {
                batch.clear();
            } else {
                recordBatch(records, rng);
            }
            records(response, flexible);
        }
        if (flexible) {
            Wire.u8(response, 0);
        }
        Wire.be32At(response, at, response.n - at - 4);
        return records;
    }

    /** The record batch as a partition's last field (its size first), then the partition's and the topic's tags. */
    private void records(Bytes b, boolean flexible) {
        if (flexible) {
            Wire.uvarint(b, batch.n + 1);
        } else {
            Wire.be32(b, batch.n);
        }
        b.add(batch);
        if (flexible) {
            Wire.u8(b, 0); // partition's tags
            Wire.u8(b, 0); // topic's tags
        }
    }

    /** A Fetch's topic: its name, or from version 13 on its id (the name is in the Metadata answers). */
    private static void topic(Bytes b, int version, String topic) {
        if (version < 13) {
            string(b, version >= 12, topic);
            return;
        }
        for (int t = 0; t < TOPICS.length; t++) {
            if (TOPICS[t].equals(topic)) {
                Wire.be64(b, TOPIC_IDS[t]);
                Wire.be64(b, ~TOPIC_IDS[t]);
                return;
            }
        }
        throw new IllegalArgumentException("no id for topic " + topic);
    }

    /** A record batch (magic 2) of {@code records} JSON records, with its CRC-32C, in {@link #batch}. */
    private void recordBatch(int records, Rng rng) {
        Bytes b = batch.clear();
        Wire.be64(b, offset);
        int lengthAt = b.n;
        Wire.be32(b, 0);
        Wire.be32(b, 0); // partition leader epoch
        Wire.u8(b, 2); // magic
        int crcAt = b.n;
        Wire.be32(b, 0);
        int attributesAt = b.n;
        Wire.be16(b, 0); // no compression, create time
        Wire.be32(b, records - 1);
        timestamp += rng.between(1, 40);
        Wire.be64(b, timestamp);
        Wire.be64(b, timestamp + records - 1);
        Wire.be64(b, -1); // no producer id
        Wire.be16(b, -1);
        Wire.be32(b, -1);
        Wire.be32(b, records);
        for (int i = 0; i < records; i++) {
            value.clear().add(VALUE_OPEN).addNum(500_000 + rng.nextInt(100_000)).add(VALUE_CLOSE);
            int size = 1 + sizeOfVarint(i) + sizeOfVarint(i) + 1 + sizeOfVarint(value.n) + value.n + 1;
            Wire.varint(b, size);
            Wire.u8(b, 0); // attributes
            Wire.varint(b, i); // timestamp delta
            Wire.varint(b, i); // offset delta
            Wire.varint(b, -1); // no key
            Wire.varint(b, value.n);
            b.add(value);
            Wire.varint(b, 0); // no header
        }
        Wire.be32At(b, lengthAt, b.n - lengthAt - 4);
        crc.reset();
        crc.update(b.a, attributesAt, b.n - attributesAt);
        Wire.be32At(b, crcAt, crc.getValue());
    }

    private static int sizeOfVarint(long v) {
        long z = v << 1 ^ v >> 63;
        int n = 1;
        while ((z & ~0x7fL) != 0) {
            z >>>= 7;
            n++;
        }
        return n;
    }

    /** The size (to be written at the offset returned), then the request header (version 2 when flexible). */
    private int requestHeader(Bytes request, int key, int version, int id) {
        int at = request.n;
        Wire.be32(request, 0);
        Wire.be16(request, key);
        Wire.be16(request, version);
        Wire.be32(request, id);
        Wire.be16(request, clientId.length());
        Wire.ascii(request, clientId);
        if (key == 0 && version >= 9 || key == 1 && version >= 12 || key == 3 && version >= 9 || key == 18 && version >= 3) {
            Wire.u8(request, 0); // no tagged field
        }
        return at;
    }

    private static int responseHeader(Bytes response, int id, boolean flexible) {
        int at = response.n;
        Wire.be32(response, 0);
        Wire.be32(response, id);
        if (flexible) {
            Wire.u8(response, 0);
        }
        return at;
    }

    private static void array(Bytes b, boolean flexible, int n) {
        if (flexible) {
            Wire.uvarint(b, n + 1);
        } else {
            Wire.be32(b, n);
        }
    }

    private static void string(Bytes b, boolean flexible, String s) {
        if (flexible) {
            compactString(b, s);
        } else {
            Wire.be16(b, s.length());
            Wire.ascii(b, s);
        }
    }

    private static void compactString(Bytes b, String s) {
        Wire.uvarint(b, s.length() + 1);
        Wire.ascii(b, s);
    }
}

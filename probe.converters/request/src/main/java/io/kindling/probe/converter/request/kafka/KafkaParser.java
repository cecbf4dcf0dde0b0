package io.kindling.probe.converter.request.kafka;

import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import org.osgi.service.component.annotations.Component;

/**
 * Apache Kafka: requests pair with responses by correlation id ({@code kafka_id}; clients pipeline them);
 * {@code kafka_api} is the API's name and {@code kafka_version} its version, {@code kafka_topic} the first topic of a
 * Produce or Fetch request (the versions that name topics by id get the name from the Metadata responses seen before,
 * at most 4096 ids kept; a Fetch of an incremental session that lists no topic has none), the content key the topic
 * or else the API; {@code kafka_error_code} the first partition's error of a Produce response or the top-level error
 * of a Fetch response (version 7 on), an error when not 0.
 */
@Component(service = ProtocolParser.class, property = "service.ranking:Integer=50")
public final class KafkaParser implements ProtocolParser {
    static final int PRODUCE = 0;
    static final int FETCH = 1;

    private static final String[] APIS = {"Produce", "Fetch", "ListOffsets", "Metadata", "LeaderAndIsr", "StopReplica",
        "UpdateMetadata", "ControlledShutdown", "OffsetCommit", "OffsetFetch", "FindCoordinator", "JoinGroup", "Heartbeat",
        "LeaveGroup", "SyncGroup", "DescribeGroups", "ListGroups", "SaslHandshake", "ApiVersions", "CreateTopics",
        "DeleteTopics", "DeleteRecords", "InitProducerId", "OffsetForLeaderEpoch", "AddPartitionsToTxn", "AddOffsetsToTxn",
        "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit", "DescribeAcls", "CreateAcls", "DeleteAcls", "DescribeConfigs",
        "AlterConfigs", "AlterReplicaLogDirs", "DescribeLogDirs", "SaslAuthenticate", "CreatePartitions",
        "CreateDelegationToken", "RenewDelegationToken", "ExpireDelegationToken", "DescribeDelegationToken", "DeleteGroups",
        "ElectLeaders", "IncrementalAlterConfigs", "AlterPartitionReassignments", "ListPartitionReassignments",
        "OffsetDelete", "DescribeClientQuotas", "AlterClientQuotas", "DescribeUserScramCredentials",
        "AlterUserScramCredentials", "Vote", "BeginQuorumEpoch", "EndQuorumEpoch", "DescribeQuorum", "AlterPartition",
        "UpdateFeatures", "Envelope", "FetchSnapshot", "DescribeCluster", "DescribeProducers", "BrokerRegistration",
        "BrokerHeartbeat", "UnregisterBroker", "DescribeTransactions", "ListTransactions", "AllocateProducerIds",
        "ConsumerGroupHeartbeat", "ConsumerGroupDescribe", "ControllerRegistration", "GetTelemetrySubscriptions",
        "PushTelemetry", "AssignReplicasToDirs", "ListClientMetricsResources", "DescribeTopicPartitions"};

    /** Topic names by topic id, as the Metadata responses the parser saw told them (Produce and Fetch name topics by id). */
    private final java.util.LinkedHashMap<java.util.UUID, String> topicNames = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<java.util.UUID, String> eldest) {
            return size() > MAX_TOPIC_IDS;
        }
    };

    /** Topic ids whose names are kept at most. */
    static final int MAX_TOPIC_IDS = 4096;

    /** What the response needs to know of its request. */
    record Api(int key, int version) {}

    @Override
    public String protocol() {
        return "kafka";
    }

    @Override
    public Message request(Payload p) {
        long size = p.i32(0);
        int key = p.u16(4);
        int version = p.u16(6);
        long correlation = p.i32(8);
        int clientIdLen = p.u16(12);
        if (size < 10 || size > 100 << 20 || key < 0 || key >= APIS.length || version > 20 || correlation < 0
                || clientIdLen < 0 || clientIdLen != 0xffff && clientIdLen > 512) {
            return null;
        }
        int at = 14;
        if (clientIdLen != 0xffff) {
            for (int i = 0; i < clientIdLen && at + i < p.captured(); i++) {
                int c = p.u8(at + i);
                if (c < 0x20 || c >= 0x7f) {
                    return null;
                }
            }
            at += clientIdLen;
        }
        if (14 + (clientIdLen == 0xffff ? 0 : clientIdLen) > size + 4) {
            return null;
        }
        boolean flexible = flexible(key, version);
        if (flexible) {
            at = skipTags(p, at);
        }
        String topic = at < 0 ? null : switch (key) {
            case PRODUCE -> produceTopic(p, at, version, flexible);
            case FETCH -> fetchTopic(p, at, version, flexible);
            default -> null;
        };
        Message m = new Message().id(correlation).length(size + 4).state(new Api(key, version))
                .attribute("kafka_api", APIS[key]).attribute("kafka_version", version).attribute("kafka_id", correlation)
                .contentKey(topic != null ? topic : APIS[key]);
        if (topic != null) {
            m.attribute("kafka_topic", topic);
        }
        return m;
    }

    @Override
    public long responseId(Payload p) {
        long size = p.i32(0);
        long correlation = p.i32(4);
        return size < 4 || correlation < 0 ? -1 : correlation;
    }

    @Override
    public Message response(Payload p, Message request) {
        long size = p.i32(0);
        if (size < 4) {
            return null;
        }
        Message m = new Message().length(size + 4);
        if (request != null && request.state() instanceof Api api) {
            int at = 8;
            boolean flexible = flexible(api.key(), api.version());
            if (flexible && api.key() != 18) { // ApiVersions answers with header version 0
                at = skipTags(p, at);
            }
            int error = at < 0 ? -1 : switch (api.key()) {
                case PRODUCE -> produceError(p, at, api.version(), flexible);
                case FETCH -> api.version() >= 7 ? p.u16(at + 4) : -1;
                case 3 -> api.version() >= 10 && flexible ? learnTopicIds(p, at) : -1;
                case 18 -> p.u16(8);
                default -> -1;
            };
            if (error >= 0) {
                short code = (short) error;
                m.attribute("kafka_error_code", code).error(code != 0);
            }
        }
        return m;
    }

    /** Whether the request (and its response) use the flexible versions' compact encoding and tags. */
    static boolean flexible(int key, int version) {
        return switch (key) {
            case PRODUCE -> version >= 9;
            case FETCH -> version >= 12;
            case 2 -> version >= 6;
            case 3 -> version >= 9;
            case 8 -> version >= 8;
            case 9 -> version >= 6;
            case 10 -> version >= 3;
            case 11 -> version >= 6;
            case 12 -> version >= 4;
            case 13 -> version >= 4;
            case 14 -> version >= 4;
            case 18 -> version >= 3;
            case 19 -> version >= 5;
            case 22 -> version >= 2;
            default -> false;
        };
    }

    private String produceTopic(Payload p, int at, int version, boolean flexible) {
        if (version >= 3) {
            at = flexible ? skipCompactString(p, at) : skipString(p, at); // transactional id
        }
        if (at < 0) {
            return null;
        }
        at += 2 + 4; // acks, timeout
        at = flexible ? skipUvarint(p, at) : at + 4; // topic count
        return at < 0 ? null : version >= 13 ? topicById(p, at) : flexible ? compactString(p, at) : string(p, at);
    }

    private String fetchTopic(Payload p, int at, int version, boolean flexible) {
        if (version >= 15) {
            at -= 4; // no replica id (it went into a tagged field)
        }
        at += 4 + 4 + 4; // replica id, max wait, min bytes
        if (version >= 3) {
            at += 4;
        }
        if (version >= 4) {
            at += 1;
        }
        if (version >= 7) {
            at += 8;
        }
        at = flexible ? skipUvarint(p, at) : at + 4;
        return at < 0 ? null : version >= 13 ? topicById(p, at) : flexible ? compactString(p, at) : string(p, at);
    }

    /** The name of the topic whose id is at {@code at}, as a Metadata response told it; null when unknown. */
    private String topicById(Payload p, int at) {
        java.util.UUID id = uuid(p, at);
        return id == null ? null : topicNames.get(id);
    }

    private static java.util.UUID uuid(Payload p, int at) {
        long a = p.i32(at);
        long b = p.i32(at + 4);
        long c = p.i32(at + 8);
        long d = p.i32(at + 12);
        if (a == Long.MIN_VALUE || b == Long.MIN_VALUE || c == Long.MIN_VALUE || d == Long.MIN_VALUE) {
            return null;
        }
        return new java.util.UUID(a << 32 | b & 0xffffffffL, c << 32 | d & 0xffffffffL);
    }

    /**
     * Reads the topics' names and ids of a Metadata response (version 10 on, flexible) as far as they are known;
     * returns -1 (no error code is read from it).
     */
    private int learnTopicIds(Payload p, int at) {
        at += 4; // throttle time
        long brokers = uvarint(p, at) - 1;
        at = skipUvarint(p, at);
        for (long i = 0; i < brokers && at >= 0 && i < 1024; i++) {
            at = skipCompactString(p, at + 4); // node id, host
            at = at < 0 ? -1 : skipCompactString(p, at + 4); // port, rack
            at = at < 0 ? -1 : skipTags(p, at);
        }
        at = at < 0 ? -1 : skipCompactString(p, at); // cluster id
        if (at < 0) {
            return -1;
        }
        at += 4; // controller id
        long topics = uvarint(p, at) - 1;
        at = skipUvarint(p, at);
        for (long t = 0; t < topics && at >= 0 && at < p.captured() && t < 4096; t++) {
            String name = compactString(p, at + 2); // after the topic's error code
            at = skipCompactString(p, at + 2);
            java.util.UUID id = at < 0 ? null : uuid(p, at);
            if (id == null) {
                return -1;
            }
            if (name != null && (id.getMostSignificantBits() != 0 || id.getLeastSignificantBits() != 0)) {
                topicNames.put(id, name);
            }
            at += 16 + 1; // id, is internal
            long partitions = uvarint(p, at) - 1;
            at = skipUvarint(p, at);
            for (long i = 0; i < partitions && at >= 0 && i < 100_000; i++) {
                at += 2 + 4 + 4 + 4; // error, index, leader, leader epoch
                for (int list = 0; list < 3 && at >= 0; list++) { // replicas, in-sync replicas, offline replicas
                    long n = uvarint(p, at) - 1;
                    at = n < -1 ? -1 : skipUvarint(p, at) + 4 * (int) Math.max(0, Math.min(n, 100_000));
                }
                at = at < 0 ? -1 : skipTags(p, at);
            }
            at = at < 0 ? -1 : skipTags(p, at + 4); // authorized operations
        }
        return -1;
    }

    private static int produceError(Payload p, int at, int version, boolean flexible) {
        at = flexible ? skipUvarint(p, at) : at + 4; // topic count
        at = at < 0 ? -1 : version >= 13 ? at + 16 : flexible ? skipCompactString(p, at) : skipString(p, at); // its id or name
        if (at < 0) {
            return -1;
        }
        at = flexible ? skipUvarint(p, at) : at + 4; // partition count
        return at < 0 ? -1 : p.u16(at + 4); // index, then the error code
    }

    private static String string(Payload p, int at) {
        int len = p.u16(at);
        if (len < 1 || len > 249 || !p.known(at + 2, len)) {
            return null;
        }
        return p.text(at + 2, at + 2 + len);
    }

    private static int skipString(Payload p, int at) {
        int len = p.u16(at);
        return len < 0 ? -1 : len == 0xffff ? at + 2 : at + 2 + len;
    }

    private static String compactString(Payload p, int at) {
        long n = uvarint(p, at);
        if (n < 2 || n > 250) {
            return null;
        }
        int start = at + uvarintSize(n);
        if (!p.known(start, (int) n - 1)) {
            return null;
        }
        return p.text(start, start + (int) n - 1);
    }

    private static int skipCompactString(Payload p, int at) {
        long n = uvarint(p, at);
        return n < 0 ? -1 : at + uvarintSize(n) + (int) Math.max(0, n - 1);
    }

    private static int skipUvarint(Payload p, int at) {
        long n = uvarint(p, at);
        return n < 0 ? -1 : at + uvarintSize(n);
    }

    /** Tagged fields: a count, then for each a tag, a size and that many bytes. */
    private static int skipTags(Payload p, int at) {
        long count = uvarint(p, at);
        if (count < 0 || count > 64) {
            return -1;
        }
        at += uvarintSize(count);
        for (long i = 0; i < count && at >= 0; i++) {
            at = skipUvarint(p, at);
            long size = at < 0 ? -1 : uvarint(p, at);
            at = size < 0 ? -1 : at + uvarintSize(size) + (int) size;
        }
        return at;
    }

    private static long uvarint(Payload p, int at) {
        long v = 0;
        for (int i = 0; i < 5; i++) {
            int b = p.u8(at + i);
            if (b < 0) {
                return -1;
            }
            v |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        return -1;
    }

    private static int uvarintSize(long v) {
        int n = 1;
        while (v >= 0x80) {
            v >>>= 7;
            n++;
        }
        return n;
    }
}

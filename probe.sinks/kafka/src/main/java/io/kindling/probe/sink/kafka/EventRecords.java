package io.kindling.probe.sink.kafka;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.sink.jsonl.JsonEventWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;

/**
 * Turns an event into a Kafka record. The value is the event in the probe's JSON format, exactly as
 * the JSON Lines sink writes it but without the line separator. The key is {@code HOST/PID}, so that
 * the events of one process of one host go to one partition and keep their order there; events
 * without thread information (the idle task) have pid 0. The record has no timestamp of its own:
 * the producer's clock sets it, so that replays of old captures are not expired by retention at once.
 * Not thread-safe: one instance per delivering thread.
 */
final class EventRecords {
    /** Keys remembered by pid: a slot per pid modulo this size. */
    private static final int KEYS = 1024;

    private final String topic;
    private final String keyPrefix;
    private final Buffer buffer = new Buffer();
    private final JsonEventWriter writer;
    private final long[] keyPids = new long[KEYS];
    private final byte[][] keys = new byte[KEYS][];
    private final int[] keyHashes = new int[KEYS];

    EventRecords(String topic, String host) {
        this.topic = topic;
        this.keyPrefix = host + "/";
        this.writer = new JsonEventWriter(buffer);
    }

    String topic() {
        return topic;
    }

    /** The event's record, for the producer to place by its key. */
    ProducerRecord<byte[], byte[]> of(KindlingEvent event) throws IOException {
        return of(event, 0);
    }

    /**
     * The event's record in the partition that the producer's default partitioner gives its key among
     * {@code partitions} (murmur2 of the key, as {@code BuiltInPartitioner.partitionForKey}), computed
     * once per pid; with {@code partitions} 0 (not known yet) the producer places it.
     */
    ProducerRecord<byte[], byte[]> of(KindlingEvent event, int partitions) throws IOException {
        int slot = slot(event);
        Integer partition = partitions > 0 ? keyHashes[slot] % partitions : null;
        return new ProducerRecord<>(topic, partition, keys[slot], value(event));
    }

    /** {@code HOST/PID}, the same array for the events of one process while no other pid takes its slot. */
    byte[] key(KindlingEvent event) {
        return keys[slot(event)];
    }

    /** The event's slot, with its pid's key and the key's hash there. */
    private int slot(KindlingEvent event) {
        ThreadContext thread = event.thread();
        long pid = thread == null ? 0 : thread.pid();
        int slot = (int) pid & (KEYS - 1);
        if (keys[slot] == null || keyPids[slot] != pid) {
            byte[] key = (keyPrefix + pid).getBytes(StandardCharsets.UTF_8);
            keys[slot] = key;
            keyHashes[slot] = Utils.toPositive(Utils.murmur2(key));
            keyPids[slot] = pid;
        }
        return slot;
    }

    byte[] value(KindlingEvent event) throws IOException {
        byte[] json = writer.encode(event);
        if (json != null) {
            return json;
        }
        // larger than the writer's buffer: it went on to ours
        byte[] large = buffer.withoutLastByte();
        buffer.reset();
        return large;
    }

    /** What the writer passes on: only events larger than its own buffer. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(1024);
        }

        byte[] withoutLastByte() {
            return Arrays.copyOf(buf, Math.max(0, count - 1));
        }
    }
}

package io.kindling.probe.sink.kafka;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.sink.jsonl.JsonEventWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Turns an event into a Kafka record. The value is the event in the probe's JSON format, exactly as
 * the JSON Lines sink writes it but without the line separator. The key is {@code HOST/PID}, so that
 * the events of one process of one host go to one partition and keep their order there; events
 * without thread information (the idle task) have pid 0. The record has no timestamp of its own:
 * the producer's clock sets it, so that replays of old captures are not expired by retention at once.
 * Not thread-safe: one instance per delivering thread.
 */
final class EventRecords {

    private final String topic;
    private final String keyPrefix;
    private final Buffer buffer = new Buffer();
    private final JsonEventWriter writer;

    EventRecords(String topic, String host) {
        this.topic = topic;
        this.keyPrefix = host + "/";
        this.writer = new JsonEventWriter(buffer);
    }

    ProducerRecord<byte[], byte[]> of(KindlingEvent event) throws IOException {
        return new ProducerRecord<>(topic, key(event), value(event));
    }

    byte[] key(KindlingEvent event) {
        ThreadContext thread = event.thread();
        return (keyPrefix + (thread == null ? 0 : thread.pid())).getBytes(StandardCharsets.UTF_8);
    }

    byte[] value(KindlingEvent event) throws IOException {
        buffer.reset();
        writer.write(event);
        writer.flush();
        return buffer.withoutLastByte();
    }

    /** The bytes written, the line separator cut off. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(1024);
        }

        byte[] withoutLastByte() {
            return Arrays.copyOf(buf, Math.max(0, count - 1));
        }
    }
}

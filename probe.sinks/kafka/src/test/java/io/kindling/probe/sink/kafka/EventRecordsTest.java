package io.kindling.probe.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.sink.jsonl.JsonEventWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

/** Records against the JSON Lines writer's lines, for events that fit its buffer and one that does not. */
class EventRecordsTest {

    private static KindlingEvent event(long pid, int dataBytes) {
        KindlingEvent e = new KindlingEvent("write", Category.FILE, Source.SYSCALL_EXIT, 1_700_000_000_000_000_000L, 10,
                new ThreadContext(pid, pid, 0, 0, "cat", ""));
        byte[] data = new byte[dataBytes];
        Arrays.fill(data, (byte) 'x');
        e.addAttribute(Attribute.ofBytes("data", data));
        return e;
    }

    private static byte[] line(KindlingEvent e) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonEventWriter writer = new JsonEventWriter(out)) {
            writer.write(e);
        }
        byte[] bytes = out.toByteArray();
        return Arrays.copyOf(bytes, bytes.length - 1);
    }

    @Test
    void valueIsTheJsonLineWithoutItsSeparatorAndKeyIsHostAndPid() throws Exception {
        EventRecords records = new EventRecords("t", "web-7");
        // small, larger than the writer's buffer, and small again after it
        for (KindlingEvent e : new KindlingEvent[] {event(4711, 10), event(4711, JsonEventWriter.BUFFER_SIZE), event(42, 3)}) {
            ProducerRecord<byte[], byte[]> r = records.of(e);
            assertEquals("t", r.topic());
            assertArrayEquals(line(e), r.value());
            assertEquals("web-7/" + e.thread().pid(), new String(r.key(), StandardCharsets.UTF_8));
        }
        assertSame(records.key(event(4711, 1)), records.key(event(4711, 2)), "one key array per pid");
        for (int pid : new int[] {0, 4, 42, 1028, 4711, 65_537, 4}) {
            for (int partitions : new int[] {1, 4, 7}) {
                ProducerRecord<byte[], byte[]> r = records.of(event(pid, 1), partitions);
                assertEquals(BuiltInPartitioner.partitionForKey(r.key(), partitions), r.partition(),
                        "the partition the producer's default partitioner gives pid " + pid + " among " + partitions);
            }
        }
        assertNull(records.of(event(42, 1), 0).partition(), "partitions not known yet: the producer places the record");
        assertEquals("web-7/1028", new String(records.key(event(1028, 1)), StandardCharsets.UTF_8),
                "a pid in the same slot as another (4 = 1028 modulo 1024) has its own key");
        assertEquals("web-7/4", new String(records.key(event(4, 1)), StandardCharsets.UTF_8));
    }
}

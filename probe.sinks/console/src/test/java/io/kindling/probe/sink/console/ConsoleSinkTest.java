package io.kindling.probe.sink.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.testing.StuckWriter;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleSinkTest {

    private static final ThreadContext CURL = new ThreadContext(4021, 4022, 1000, 1000, "curl", "");

    private static KindlingEvent event(String name, Category category, long latency, ThreadContext thread) {
        return new KindlingEvent(name, category, Source.SYSCALL_EXIT, 1_700_000_000_123_456_789L, latency, thread);
    }

    @Test
    void sinkWritesOneLineAnEventAndFlushes() throws Exception {
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        ConsoleSink sink = new ConsoleSink(target);
        KindlingEvent e = event("read", Category.FILE, 0, CURL);
        sink.deliver(e);
        sink.deliver(e);
        assertEquals(0, target.size(), "buffered until flushed");
        sink.flush();
        String line = "22:13:20.123456789 curl 4021/4022 < read file\n";
        assertEquals(line + line, target.toString(StandardCharsets.UTF_8));
        sink.deliver(e);
        sink.deactivate();
        assertEquals(line + line + line, target.toString(StandardCharsets.UTF_8));
        sink.deliver(e);
        assertEquals(line + line + line, target.toString(StandardCharsets.UTF_8), "nothing after deactivation");
    }

    @Test
    void deactivateReturnsWhileADeliveryIsStuckInAPipeNobodyReads() throws Exception {
        Process reader = new ProcessBuilder("sleep", "60").start(); // its standard input: a pipe it never reads
        try {
            ConsoleSink sink = new ConsoleSink(reader.getOutputStream());
            Thread delivery = StuckWriter.writeUntilStuck(() -> sink.deliver(event("write", Category.NET, 0, CURL)));
            assertTrue(delivery.isAlive(), "the delivery is stuck writing");
            assertTimeoutPreemptively(Duration.ofSeconds(5), sink::deactivate, "deactivate() returns");
        } finally {
            reader.destroyForcibly();
        }
    }
}

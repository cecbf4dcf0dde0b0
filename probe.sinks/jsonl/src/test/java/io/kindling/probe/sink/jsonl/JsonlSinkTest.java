package io.kindling.probe.sink.jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.testing.StuckWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlSinkTest {

    @TempDir
    Path dir;

    private static JsonlSink.Config config(String path) {
        return new JsonlSink.Config() {
            @Override public Class<? extends Annotation> annotationType() { return JsonlSink.Config.class; }
            @Override public String path() { return path; }
        };
    }

    private static KindlingEvent event(String name) {
        return new KindlingEvent(name, Category.FILE, Source.SYSCALL_EXIT, 1, 0, null);
    }

    private static String line(String name) {
        return "{\"name\":\"" + name + "\",\"category\":\"file\",\"source\":\"syscall_exit\",\"timestamp\":1,\"latency\":0,\"attributes\":{}}";
    }

    @Test
    void appendsToTheFileFlushesAndCloses() throws IOException {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "earlier\n");
        JsonlSink sink = new JsonlSink();
        sink.activate(config(file.toString()));
        sink.deliver(event("a"));
        sink.flush();
        assertEquals(List.of("earlier", line("a")), Files.readAllLines(file));
        sink.deliver(event("b"));
        sink.deactivate();
        assertEquals(List.of("earlier", line("a"), line("b")), Files.readAllLines(file, StandardCharsets.UTF_8));
        sink.deliver(event("c"));
        assertEquals(3, Files.readAllLines(file).size(), "nothing after deactivation");
    }

    @Test
    void aNewFileIsReadableByTheProbesUserOnlyAnExistingOneKeepsItsMode() throws IOException {
        Path fresh = dir.resolve("fresh.jsonl");
        JsonlSink sink = new JsonlSink();
        sink.activate(config(fresh.toString()));
        sink.deliver(event("a"));
        sink.deactivate();
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(fresh));

        Path shared = dir.resolve("shared.jsonl");
        Files.createFile(shared, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        JsonlSink other = new JsonlSink();
        other.activate(config(shared.toString()));
        other.deliver(event("b"));
        other.deactivate();
        assertEquals(PosixFilePermissions.fromString("rw-r--r--"), Files.getPosixFilePermissions(shared), "the owner's choice stays");
        assertEquals(List.of(line("b")), Files.readAllLines(shared));
    }

    @Test
    void deactivateReturnsWhileADeliveryIsStuckInAFifoNobodyReads() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Process reader = new ProcessBuilder("sh", "-c", "exec sleep 60 < \"$0\"", fifo.toString()).start(); // opens, never reads
        try {
            JsonlSink sink = new JsonlSink();
            sink.activate(config(fifo.toString()));
            Thread delivery = StuckWriter.writeUntilStuck(() -> sink.deliver(event("a")));
            assertTrue(delivery.isAlive(), "the delivery is stuck writing");
            assertTimeoutPreemptively(Duration.ofSeconds(5), sink::deactivate, "deactivate() returns");
            delivery.join(5000);
            assertFalse(delivery.isAlive(), "the stuck write ended once the file was closed");
        } finally {
            reader.destroyForcibly();
        }
    }

    @Test
    void aChangedPathSwitchesFiles() throws IOException {
        Path first = dir.resolve("1.jsonl");
        Path second = dir.resolve("2.jsonl");
        JsonlSink sink = new JsonlSink();
        sink.activate(config(first.toString()));
        sink.deliver(event("a"));
        sink.modified(config(first.toString()));
        sink.deliver(event("b"));
        sink.modified(config(second.toString()));
        sink.deliver(event("c"));
        sink.deactivate();
        assertEquals(List.of(line("a"), line("b")), Files.readAllLines(first));
        assertEquals(List.of(line("c")), Files.readAllLines(second));
    }

    @Test
    void emptyPathAndDashAreStandardOutputWhichStaysOpen() throws IOException {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = new PrintStream(captured, false, StandardCharsets.UTF_8);
        System.setOut(stdout);
        try {
            for (String path : new String[] {"", "-"}) {
                JsonlSink sink = new JsonlSink();
                sink.activate(config(path));
                sink.deliver(event(path.isEmpty() ? "empty" : "dash"));
                sink.deactivate();
            }
        } finally {
            System.setOut(original);
        }
        stdout.print("still open");
        stdout.flush();
        assertFalse(stdout.checkError());
        assertEquals(line("empty") + "\n" + line("dash") + "\nstill open", captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void activationFailsWithPathAndReason() {
        String missing = dir.resolve("no/such/dir/events.jsonl").toString();
        IOException e = assertThrows(IOException.class, () -> new JsonlSink().activate(config(missing)));
        assertTrue(e.getMessage().contains("'" + missing + "'"), e.getMessage());
        assertTrue(e.getMessage().endsWith("no such directory"), e.getMessage());

        IOException d = assertThrows(IOException.class, () -> new JsonlSink().activate(config(dir.toString())));
        assertTrue(d.getMessage().contains("'" + dir + "'"), d.getMessage());
        assertTrue(d.getMessage().toLowerCase().contains("directory"), d.getMessage());
    }
}

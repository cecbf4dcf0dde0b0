package io.kindling.probe.converter.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker API client against a unix-socket server of the test's own: an answer is read whole, a
 * daemon that does not answer is cut at the timeout, an absent socket and a malformed answer are errors.
 * (The real Docker daemon is the container integration test's.)
 */
class DockerApiTest {

    @TempDir
    Path dir;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    /** A server that answers one connection with {@code answer} (null: reads the request and never answers). */
    private Path serve(String answer) throws IOException {
        Path socket = dir.resolve("d.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                c.read(ByteBuffer.allocate(4096));
                if (answer == null) {
                    Thread.sleep(5000);
                    return;
                }
                c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException | InterruptedException ignored) {
                // the test ends the connection
            }
        });
        t.setDaemon(true);
        t.start();
        return socket;
    }

    @Test
    void readsAnAnswerWhole() throws IOException {
        Path socket = serve("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"Name\":\"/web\"}");
        DockerApi.Answer a = new DockerApi(socket, 2000, timer).get("/containers/abc/json");
        assertEquals(200, a.status());
        assertEquals("{\"Name\":\"/web\"}", a.body());
    }

    @Test
    void aDaemonThatDoesNotAnswerIsCutAtTheTimeout() throws IOException {
        Path socket = serve(null);
        long start = System.nanoTime();
        assertThrows(IOException.class, () -> new DockerApi(socket, 200, timer).get("/containers/abc/json"));
        assertTrue(System.nanoTime() - start < 4_000_000_000L, "cut before the server's 5 s");
    }

    @Test
    void noDaemonAndAMalformedAnswerAreErrors() throws IOException {
        assertThrows(IOException.class, () -> new DockerApi(dir.resolve("absent.sock"), 200, timer).get("/x"));
        Path socket = serve("garbage without a head");
        assertThrows(IOException.class, () -> new DockerApi(socket, 2000, timer).get("/x"));
    }
}

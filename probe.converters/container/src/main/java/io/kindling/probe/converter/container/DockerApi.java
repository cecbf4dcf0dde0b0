package io.kindling.probe.converter.container;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The few calls of the Docker Engine API the probe makes, over the daemon's unix socket (Podman's
 * service answers the same API): HTTP/1.0 requests, so that every answer ends with the connection. A
 * call that has not answered within its time is cut by closing its connection.
 */
final class DockerApi {
    /** The most an answer may hold: an inspected container is a few KiB. */
    static final int MAX_ANSWER = 4 << 20;
    /** The longest line of the event stream. */
    static final int MAX_EVENT_LINE = 1 << 20;

    private final Path socket;
    private final long timeoutMillis;
    private final ScheduledExecutorService timer;

    DockerApi(Path socket, long timeoutMillis, ScheduledExecutorService timer) {
        this.socket = socket;
        this.timeoutMillis = timeoutMillis;
        this.timer = timer;
    }

    Path socket() {
        return socket;
    }

    /** An HTTP answer: its status code and body. */
    record Answer(int status, String body) {}

    /** {@code GET path}: the answer, or an IOException (no daemon, no answer in time, a malformed one). */
    Answer get(String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ScheduledFuture<?> cut = timer.schedule(() -> closeQuietly(ch), timeoutMillis, TimeUnit.MILLISECONDS);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                send(ch, path);
                InputStream in = Channels.newInputStream(ch);
                int status = readHead(in);
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                byte[] b = new byte[8192];
                for (int n; (n = in.read(b)) > 0;) {
                    if (body.size() + n > MAX_ANSWER) {
                        throw new IOException("answer of " + path + " longer than " + MAX_ANSWER + " bytes");
                    }
                    body.write(b, 0, n);
                }
                return new Answer(status, body.toString(StandardCharsets.UTF_8));
            } finally {
                cut.cancel(false);
            }
        }
    }

    /**
     * {@code GET path} of a stream of JSON lines (the event stream): hands each line to {@code lines}
     * until the daemon ends the stream or {@code open} is closed by the caller. Returns the status when not 200.
     */
    int stream(String path, Consumer<SocketChannel> open, Consumer<String> lines) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            open.accept(ch);
            ScheduledFuture<?> cut = timer.schedule(() -> closeQuietly(ch), timeoutMillis, TimeUnit.MILLISECONDS);
            InputStream in;
            int status;
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                send(ch, path);
                in = Channels.newInputStream(ch);
                status = readHead(in);
            } finally {
                cut.cancel(false);
            }
            if (status != 200) {
                return status;
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 16384);
            StringBuilder line = new StringBuilder();
            for (int c; (c = r.read()) >= 0;) {
                if (c == '\n') {
                    if (line.length() > 0) {
                        lines.accept(line.toString());
                    }
                    line.setLength(0);
                } else if (line.length() < MAX_EVENT_LINE) {
                    line.append((char) c);
                }
            }
            return 200;
        }
    }

    private static void send(SocketChannel ch, String path) throws IOException {
        ByteBuffer request = ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\nUser-Agent: kindling-probe\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        while (request.hasRemaining()) {
            ch.write(request);
        }
    }

    /** Reads the status line and the headers; returns the status code. */
    private static int readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("the daemon closed the connection before its answer's head ended");
            }
            head.append((char) c);
            if (head.length() > 65536) {
                throw new IOException("answer head longer than 64 KiB");
            }
            matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3)) ? matched + 1
                    : c == '\r' ? 1 : 0;
        }
        String[] status = head.toString().split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: " + head.substring(0, Math.min(80, head.length())));
        }
        try {
            return Integer.parseInt(status[1].trim());
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + status[1]);
        }
    }

    static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing to cut a call: nothing more to do
        }
    }
}

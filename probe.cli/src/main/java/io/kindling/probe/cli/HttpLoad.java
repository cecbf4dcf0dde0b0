package io.kindling.probe.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The workload of {@code probe bench-live}, run as a process of its own with the probe's {@code java}:
 * an HTTP/1.1 server and {@value #CONNECTIONS} keep-alive client connections on loopback, each client
 * sending its share of RATE requests per second for SECONDS (no burst to catch up when it falls far
 * behind), each request answered before the next. Prints {@code requests=N seconds=S rate=R}: the
 * requests answered and the rate achieved. It uses nothing but the JDK, and no nested classes, so that
 * its one class file runs from a folder ({@code java -cp DIR io.kindling.probe.cli.HttpLoad RATE SECONDS}).
 */
public final class HttpLoad {

    static final int CONNECTIONS = 4;
    private static final byte[] BODY = "{\"status\":\"ok\",\"service\":\"kindling-bench\"}\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE;

    static {
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        RESPONSE = new byte[head.length + BODY.length];
        System.arraycopy(head, 0, RESPONSE, 0, head.length);
        System.arraycopy(BODY, 0, RESPONSE, head.length, BODY.length);
    }

    private HttpLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: HttpLoad RATE SECONDS");
            System.exit(2);
        }
        double rate = Double.parseDouble(args[0]);
        double seconds = Double.parseDouble(args[1]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 64, loopback)) {
            Thread acceptor = new Thread(() -> accept(server), "http-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            AtomicLong done = new AtomicLong();
            AtomicLong elapsed = new AtomicLong();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Thread t = new Thread(() -> client(server.getLocalPort(), rate / CONNECTIONS, seconds, done, elapsed),
                        "http-client-" + i);
                t.start();
                clients.add(t);
            }
            for (Thread t : clients) {
                t.join();
            }
            double s = elapsed.get() / 1e9;
            System.out.println(String.format(Locale.ROOT, "requests=%d seconds=%.3f rate=%.1f", done.get(), s, done.get() / s));
        }
        System.exit(0);
    }

    private static void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "http-server");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Answers each request of one connection until the client closes it. */
    private static void serve(Socket s) {
        byte[] buf = new byte[4096];
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            while (readHead(in, buf) > 0) {
                out.write(RESPONSE);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** One keep-alive connection sending requests at its share of the rate. */
    private static void client(int port, double rate, double seconds, AtomicLong done, AtomicLong elapsed) {
        byte[] request = ("GET /orders HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: */*\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[4096];
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long interval = (long) (1e9 / rate);
        long next = start;
        long n = 0;
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (;;) {
                long t = System.nanoTime();
                if (t >= end) {
                    break;
                }
                if (t < next) {
                    LockSupport.parkNanos(next - t);
                    continue;
                }
                out.write(request);
                int head = readHead(in, buf);
                if (head <= 0) {
                    throw new IOException("the server closed the connection");
                }
                readBody(in, buf, head);
                n++;
                next += interval;
                if (next + 100 * interval < System.nanoTime()) {
                    next = System.nanoTime();
                }
            }
        } catch (IOException e) {
            System.err.println("HttpLoad: " + e.getMessage());
            System.exit(1);
        }
        done.addAndGet(n);
        long took = System.nanoTime() - start;
        elapsed.accumulateAndGet(took, Math::max);
    }

    /**
     * Reads up to the end of a message's head (the empty line) into buf; returns the bytes read, 0 at the
     * end of the stream. What follows the head in buf (a body's first bytes) is at [head end, returned).
     */
    private static int readHead(InputStream in, byte[] buf) throws IOException {
        int len = 0;
        while (true) {
            int r = in.read(buf, len, buf.length - len);
            if (r < 0) {
                return 0;
            }
            len += r;
            if (headEnd(buf, len) >= 0) {
                return len;
            }
            if (len == buf.length) {
                throw new IOException("a message head longer than " + buf.length + " bytes");
            }
        }
    }

    private static int headEnd(byte[] buf, int len) {
        for (int i = 3; i < len; i++) {
            if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /** Reads the rest of a response's body, whose length its head gives. */
    private static void readBody(InputStream in, byte[] buf, int len) throws IOException {
        int end = headEnd(buf, len);
        String head = new String(buf, 0, end, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
        int at = head.indexOf("content-length:");
        if (at < 0) {
            throw new IOException("a response without Content-Length");
        }
        int eol = head.indexOf('\r', at);
        long remaining = Long.parseLong(head.substring(at + 15, eol).trim()) - (len - end);
        while (remaining > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (r < 0) {
                throw new IOException("the server closed the connection within a body");
            }
            remaining -= r;
        }
    }
}

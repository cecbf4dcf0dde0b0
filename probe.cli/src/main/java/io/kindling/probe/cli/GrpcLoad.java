package io.kindling.probe.cli;

import java.io.DataInputStream;
import java.io.IOException;
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
 * The gRPC workload of {@code probe bench-live --grpc}, run as a process of its own with the probe's {@code java}:
 * unary gRPC calls over cleartext HTTP/2 (prior knowledge) on loopback, {@value #CONNECTIONS} connections, each
 * client making its share of RATE calls per second for SECONDS, one call at a time on its connection, as
 * {@link HttpLoad} does for HTTP/1.1. The frames are what a gRPC client and server send: the request's HEADERS
 * ({@code POST}, {@code :path /bench.Echo/Say}, {@code content-type application/grpc}, {@code te trailers}; the path and
 * content type added to the HPACK table by the first call and referred to by index after) and a DATA frame with a
 * length-prefixed message; the response's HEADERS ({@code :status 200}, the content type), DATA, and trailers with
 * {@code grpc-status 0}. Flow control is opened wide at the start (both sides are this program). Prints
 * {@code requests=N seconds=S rate=R}. Nothing but the JDK, no nested classes (its one class file runs from a folder).
 */
public final class GrpcLoad {

    static final int CONNECTIONS = 4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int SETTINGS = 4;
    private static final int WINDOW_UPDATE = 8;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final byte[] PATH = "/bench.Echo/Say".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GRPC = "application/grpc".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "{\"name\":\"kindling-bench\"}".getBytes(StandardCharsets.US_ASCII);

    private GrpcLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: GrpcLoad RATE SECONDS");
            System.exit(2);
        }
        double rate = Double.parseDouble(args[0]);
        double seconds = Double.parseDouble(args[1]);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 64, loopback)) {
            Thread acceptor = new Thread(() -> accept(server), "grpc-accept");
            acceptor.setDaemon(true);
            acceptor.start();
            AtomicLong done = new AtomicLong();
            AtomicLong elapsed = new AtomicLong();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Thread t = new Thread(() -> client(server.getLocalPort(), rate / CONNECTIONS, seconds, done, elapsed), "grpc-client-" + i);
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
                Thread t = new Thread(() -> serve(s), "grpc-server");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** A frame header and payload, appended to {@code out} at {@code at}; returns the new end. */
    private static int frame(byte[] out, int at, int type, int flags, int stream, byte[] payload, int length) {
        out[at] = (byte) (length >>> 16);
        out[at + 1] = (byte) (length >>> 8);
        out[at + 2] = (byte) length;
        out[at + 3] = (byte) type;
        out[at + 4] = (byte) flags;
        out[at + 5] = (byte) (stream >>> 24);
        out[at + 6] = (byte) (stream >>> 16);
        out[at + 7] = (byte) (stream >>> 8);
        out[at + 8] = (byte) stream;
        System.arraycopy(payload, 0, out, at + 9, length);
        return at + 9 + length;
    }

    /** SETTINGS with INITIAL_WINDOW_SIZE at its largest, and the connection's window opened as far. */
    private static int openWindows(byte[] out, int at) {
        byte[] settings = {0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        at = frame(out, at, SETTINGS, 0, 0, settings, settings.length);
        int more = Integer.MAX_VALUE - 65535;
        byte[] increment = {(byte) (more >>> 24), (byte) (more >>> 16), (byte) (more >>> 8), (byte) more};
        return frame(out, at, WINDOW_UPDATE, 0, 0, increment, 4);
    }

    /** A literal header field, with incremental indexing ({@code 0x40}) or without ({@code 0x00}), of a new or indexed name. */
    private static int literal(byte[] out, int at, int first, byte[] name, byte[] value) {
        out[at++] = (byte) first;
        if (name != null) {
            out[at++] = (byte) name.length;
            System.arraycopy(name, 0, out, at, name.length);
            at += name.length;
        }
        out[at++] = (byte) value.length;
        System.arraycopy(value, 0, out, at, value.length);
        return at + value.length;
    }

    /** The request's header block: the first of a connection adds the path and content type to the table. */
    private static byte[] requestBlock(boolean first) {
        byte[] b = new byte[128];
        int at = 0;
        b[at++] = (byte) 0x83; // :method POST
        b[at++] = (byte) 0x86; // :scheme http
        if (first) {
            at = literal(b, at, 0x44, null, PATH); // :path, indexed name 4, added as entry 62
            at = literal(b, at, 0x5f, null, GRPC); // content-type, indexed name 31, added: now 62, the path 63
        } else {
            b[at++] = (byte) 0xbf; // 63: the path
            b[at++] = (byte) 0xbe; // 62: the content type
        }
        at = literal(b, at, 0x00, "te".getBytes(StandardCharsets.US_ASCII), "trailers".getBytes(StandardCharsets.US_ASCII));
        return java.util.Arrays.copyOf(b, at);
    }

    /** The response's header block: the first of a connection adds the content type to the table. */
    private static byte[] responseBlock(boolean first) {
        byte[] b = new byte[64];
        int at = 0;
        b[at++] = (byte) 0x88; // :status 200
        if (first) {
            at = literal(b, at, 0x5f, null, GRPC);
        } else {
            b[at++] = (byte) 0xbe;
        }
        return java.util.Arrays.copyOf(b, at);
    }

    private static byte[] trailers() {
        byte[] b = new byte[32];
        int at = literal(b, 0, 0x00, "grpc-status".getBytes(StandardCharsets.US_ASCII), new byte[] {'0'});
        return java.util.Arrays.copyOf(b, at);
    }

    /** A gRPC message: not compressed, its length, its bytes. */
    private static byte[] message() {
        byte[] m = new byte[5 + MESSAGE.length];
        m[4] = (byte) MESSAGE.length;
        System.arraycopy(MESSAGE, 0, m, 5, MESSAGE.length);
        return m;
    }

    /** Answers each call of one connection until the client closes it: HEADERS, DATA, trailers, in one write. */
    private static void serve(Socket s) {
        byte[] head = new byte[9];
        byte[] payload = new byte[1 << 16];
        byte[] out = new byte[512];
        byte[] message = message();
        byte[] trailers = trailers();
        boolean first = true;
        try (s; DataInputStream in = new DataInputStream(s.getInputStream()); OutputStream o = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            byte[] preface = new byte[PREFACE.length];
            in.readFully(preface);
            o.write(out, 0, openWindows(out, 0));
            while (true) {
                in.readFully(head);
                int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                int type = head[3] & 0xff;
                int flags = head[4] & 0xff;
                int stream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
                if (length > payload.length) {
                    throw new IOException("a frame of " + length + " bytes");
                }
                in.readFully(payload, 0, length);
                if (type == SETTINGS && (flags & 1) == 0) {
                    o.write(out, 0, frame(out, 0, SETTINGS, 1, 0, payload, 0)); // acknowledged
                } else if (type == DATA && (flags & END_STREAM) != 0) {
                    byte[] block = responseBlock(first);
                    first = false;
                    int at = frame(out, 0, HEADERS, END_HEADERS, stream, block, block.length);
                    at = frame(out, at, DATA, 0, stream, message, message.length);
                    at = frame(out, at, HEADERS, END_HEADERS | END_STREAM, stream, trailers, trailers.length);
                    o.write(out, 0, at);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** One connection making calls at its share of the rate, each answered before the next. */
    private static void client(int port, double rate, double seconds, AtomicLong done, AtomicLong elapsed) {
        byte[] out = new byte[512];
        byte[] head = new byte[9];
        byte[] payload = new byte[1 << 16];
        byte[] message = message();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long interval = (long) (1e9 / rate);
        long next = start;
        long n = 0;
        int stream = 1;
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream o = s.getOutputStream();
            System.arraycopy(PREFACE, 0, out, 0, PREFACE.length);
            o.write(out, 0, openWindows(out, PREFACE.length));
            for (;;) {
                long t = System.nanoTime();
                if (t >= end || stream > Integer.MAX_VALUE - 2) {
                    break;
                }
                if (t < next) {
                    LockSupport.parkNanos(next - t);
                    continue;
                }
                byte[] block = requestBlock(stream == 1);
                int at = frame(out, 0, HEADERS, END_HEADERS, stream, block, block.length);
                at = frame(out, at, DATA, END_STREAM, stream, message, message.length);
                o.write(out, 0, at);
                // frames until this call's trailers (the server's SETTINGS and WINDOW_UPDATE come first once)
                while (true) {
                    in.readFully(head);
                    int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                    if (length > payload.length) {
                        throw new IOException("a frame of " + length + " bytes");
                    }
                    in.readFully(payload, 0, length);
                    int id = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
                    if ((head[3] & 0xff) == SETTINGS && (head[4] & 1) == 0) {
                        o.write(out, 0, frame(out, 0, SETTINGS, 1, 0, payload, 0)); // acknowledged
                    }
                    if ((head[3] & 0xff) == HEADERS && (head[4] & END_STREAM) != 0 && id == stream) {
                        break;
                    }
                }
                stream += 2;
                n++;
                next += interval;
                if (next + 100 * interval < System.nanoTime()) {
                    next = System.nanoTime();
                }
            }
        } catch (IOException e) {
            System.err.println("GrpcLoad: " + e.getMessage());
            System.exit(1);
        }
        done.addAndGet(n);
        long took = System.nanoTime() - start;
        elapsed.accumulateAndGet(took, Math::max);
    }
}

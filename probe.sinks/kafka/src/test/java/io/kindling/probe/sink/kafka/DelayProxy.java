package io.kindling.probe.sink.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A far broker on loopback: a TCP proxy that holds every segment it reads for a fixed time before it
 * writes it on, in each direction, so that a round trip through it takes twice that much longer.
 * Segments are delayed, not serialised: what arrives meanwhile follows at its own due time, as on a
 * long link whose bandwidth is not the limit. (This kernel has no {@code netem} for {@code tc}.)
 */
final class DelayProxy implements AutoCloseable {
    private static final byte[] END = new byte[0];

    private record Segment(long due, byte[] bytes) {}

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayNanos;
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    /** Listens on {@code port} of the loopback address and forwards to {@code target} with {@code delayMillis} each way. */
    DelayProxy(int port, InetSocketAddress target, long delayMillis) throws IOException {
        this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        this.acceptor = new Thread(this::accept, "delay-proxy-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("delay proxy: " + e);
                }
            }
        }
    }

    /** A reader that stamps each segment with its due time and a writer that sends it then. */
    private void pipe(Socket from, Socket to) throws IOException {
        BlockingQueue<Segment> segments = new LinkedBlockingQueue<>();
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[256 * 1024];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    segments.add(new Segment(System.nanoTime() + delayNanos, Arrays.copyOf(buf, n)));
                }
            } catch (IOException ignored) {
                // the connection closed
            }
            segments.add(new Segment(System.nanoTime() + delayNanos, END));
        }, "delay-proxy-read");
        Thread writer = new Thread(() -> {
            try {
                while (true) {
                    Segment s = segments.take();
                    long wait = s.due() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    if (s.bytes() == END) {
                        to.shutdownOutput();
                        return;
                    }
                    out.write(s.bytes());
                }
            } catch (IOException | InterruptedException ignored) {
                // the connection closed
            }
        }, "delay-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}

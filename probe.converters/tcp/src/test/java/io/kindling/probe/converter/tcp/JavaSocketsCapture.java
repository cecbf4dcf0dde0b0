package io.kindling.probe.converter.tcp;

import io.kindling.probe.generator.internal.Rng;
import io.kindling.probe.generator.internal.ScapWriter;
import io.kindling.probe.generator.internal.World;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A capture written with the generator's scap writer and simulated machine (its process table and fds):
 * the system calls of a Java client (the api-server process, pid 1187, threads 1190 and 1191) as the JDK 17
 * makes them, recorded live with {@code probe live --write}:
 * <ol>
 * <li>a dual-stack socket (AF_INET6 stream) connected to an IPv4-mapped address, 100 bytes written, 30 read,
 * closed ({@code close});</li>
 * <li>the same, with a second thread blocked in a read when the socket is closed: the JDK puts its pre-close
 * socket (a unix socket) on the fd with {@code dup2}, which closes the connection, and the blocked thread
 * closes the fd afterwards;</li>
 * <li>an IPv4 TCP connection (10 bytes written) ended by a {@code dup2} onto its fd;</li>
 * <li>an IPv4 TCP connection (5 bytes written) dup2'ed onto itself and dup'ed to a new fd (nothing closed),
 * then closed;</li>
 * <li>a dual-stack datagram socket connected to an IPv4-mapped address (no TCP connection).</li>
 * </ol>
 */
final class JavaSocketsCapture {
    static final int PID = 1187;
    static final int MAIN = 1190;
    static final int READER = 1191;
    static final int SERVER_PORT = 8080;
    static final int[] CLIENT_PORTS = {40001, 40002, 40003, 40004};
    /** Timestamp of the dup2 that ends connection 2. */
    static long dupClosesSecond;

    private static final int SOCKET_E = 18;
    private static final int SOCKET_X = 19;
    private static final int CONNECT_E = 22;
    private static final int CONNECT_X = 23;
    private static final int CLOSE_E = 4;
    private static final int CLOSE_X = 5;
    private static final int READ_E = 6;
    private static final int READ_X = 7;
    private static final int WRITE_E = 8;
    private static final int WRITE_X = 9;
    private static final int DUP_E = 124;
    private static final int DUP_X = 125;
    private static final byte[] MAPPED_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
    private static final byte[] MAPPED_RESOLVER = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 53};
    private static final int LOOPBACK = 0x0100007f; // 127.0.0.1, network order in a little-endian int

    private final ScapWriter w;
    private long ts = 1_700_000_000_000_000_000L;

    private JavaSocketsCapture(ScapWriter w) {
        this.w = w;
    }

    static void write(Path out) throws IOException {
        try (ScapWriter w = new ScapWriter(out)) {
            w.writeSectionHeader();
            new World(new Rng(1), false).writeMetadata(w);
            new JavaSocketsCapture(w).events();
        }
    }

    private void events() throws IOException {
        // 1: dual-stack, closed
        socket(MAIN, 10, 1, 20);
        connect6(MAIN, 20, MAPPED_LOOPBACK, CLIENT_PORTS[0], SERVER_PORT);
        io(MAIN, WRITE_E, 20, 100);
        io(MAIN, READ_E, 20, 30);
        fdCall(MAIN, CLOSE_E, 20, 0);
        // 2: dual-stack, a reader blocked, dup2 of the pre-close socket (fd 21) onto it
        socket(MAIN, 1, 1, 21);
        socket(MAIN, 10, 1 | 0x80000, 22);
        connect6(MAIN, 22, MAPPED_LOOPBACK, CLIENT_PORTS[1], SERVER_PORT);
        io(MAIN, WRITE_E, 22, 100);
        io(MAIN, READ_E, 22, 30);
        event(READER, READ_E).pI64(22);
        w.pU32(1);
        w.end();
        dupClosesSecond = fdCall(MAIN, DUP_E, 21, 22);
        event(READER, READ_X).pI64(-4);
        w.pEmpty();
        w.end();
        fdCall(READER, CLOSE_E, 22, 0);
        // 3: IPv4, ended by a dup2 onto its fd, whose copy is closed later
        socket(MAIN, 2, 1, 23);
        connect4(MAIN, 23, CLIENT_PORTS[2]);
        io(MAIN, WRITE_E, 23, 10);
        fdCall(MAIN, DUP_E, 21, 23);
        fdCall(MAIN, CLOSE_E, 23, 0);
        // 4: IPv4, dup2 onto itself and dup to a free fd: still open until its close
        socket(MAIN, 2, 1, 24);
        connect4(MAIN, 24, CLIENT_PORTS[3]);
        io(MAIN, WRITE_E, 24, 5);
        fdCall(MAIN, DUP_E, 24, 24);
        fdCall(MAIN, DUP_E, 24, 25);
        fdCall(MAIN, CLOSE_E, 25, 0);
        fdCall(MAIN, CLOSE_E, 24, 0);
        // 5: dual-stack datagram socket
        socket(MAIN, 10, 2, 26);
        connect6(MAIN, 26, MAPPED_RESOLVER, 40005, 53);
        io(MAIN, WRITE_E, 26, 20);
        fdCall(MAIN, CLOSE_E, 26, 0);
        fdCall(MAIN, CLOSE_E, 21, 0);
    }

    private ScapWriter event(int tid, int type) throws IOException {
        int nparams = switch (type) {
            case SOCKET_E -> 3;
            case READ_E, READ_X, WRITE_E, WRITE_X, CONNECT_E, CONNECT_X -> 2;
            default -> 1;
        };
        ts += 1000;
        w.begin(0, ts, tid, type, nparams);
        return w;
    }

    private void socket(int tid, int domain, int type, long fd) throws IOException {
        event(tid, SOCKET_E).pU32(domain);
        w.pU32(type);
        w.pU32(0);
        w.end();
        event(tid, SOCKET_X).pI64(fd);
        w.end();
    }

    private void connect6(int tid, long fd, byte[] ip, int localPort, int port) throws IOException {
        event(tid, CONNECT_E).pI64(fd);
        w.pSockaddr6(ip, port);
        w.end();
        event(tid, CONNECT_X).pI64(0);
        w.pTuple6(ip, localPort, ip, port);
        w.end();
    }

    private void connect4(int tid, long fd, int localPort) throws IOException {
        event(tid, CONNECT_E).pI64(fd);
        w.pSockaddr4(LOOPBACK, SERVER_PORT);
        w.end();
        event(tid, CONNECT_X).pI64(0);
        w.pTuple4(LOOPBACK, localPort, LOOPBACK, SERVER_PORT);
        w.end();
    }

    /** A read or write of {@code n} bytes, enter and exit. */
    private void io(int tid, int enter, long fd, int n) throws IOException {
        event(tid, enter).pI64(fd);
        w.pU32(n);
        w.end();
        event(tid, enter + 1).pI64(n);
        byte[] data = new byte[n];
        w.pBytes(data, 0, n);
        w.end();
    }

    /** A call with one fd parameter (close, dup) and its exit with {@code res}; the exit's timestamp. */
    private long fdCall(int tid, int enter, long fd, long res) throws IOException {
        event(tid, enter).pI64(fd);
        w.end();
        event(tid, enter + 1).pI64(res);
        w.end();
        return ts;
    }
}

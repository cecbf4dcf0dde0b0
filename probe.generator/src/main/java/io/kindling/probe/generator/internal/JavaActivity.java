package io.kindling.probe.generator.internal;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A Java HTTP server ({@code java}, pid 3300) with Kindling's Java agent, and the {@code hey} clients
 * that call it. The acceptor thread accepts each connection and hands it to one of two worker threads
 * through a futex. Around each request the worker writes the agent's markers to {@code /dev/null}
 * (fd 9): {@code kd-txid@} when the request starts and ends, {@code kd-jf@} after it waited for a lock,
 * {@code kd-span@} for a call it made (both versions of the format), and once per thread {@code kd-tm@}
 * with its Java name. Now and then it writes a malformed marker.
 * <p>
 * Every marker written is logged (see {@link MarkerLog}) with the event it must give: tests compare
 * what a probe makes of the capture with that log.
 */
final class JavaActivity extends Activity {

    private static final long POOL_FUTEX = 0x7f51e80012a0L;
    private static final long LOCK_FUTEX = 0x7f51e8003b40L;
    private static final String[] SPANS = {"SELECT shop.items", "GET redis items", "POST inventory/reserve"};
    private static final String[] PATHS = {"/shop/items", "/shop/cart", "/shop/checkout"};

    /** The marker log file of a capture: its name with {@code .markers} appended. */
    static Path logFile(Path capture) {
        return capture.resolveSibling(capture.getFileName() + ".markers");
    }

    /**
     * One line per marker write, tab-separated: the write's timestamp, pid, tid, what it must give
     * ({@code java_futex_info}, {@code apm_trace_id_event}, {@code apm_span_event}, {@code thread_name}
     * or {@code malformed}), the timestamp that event carries, and the marker's text.
     */
    static final class MarkerLog {
        private Writer out;
        long written;
        long malformed;
        long events;
        long threadNames;

        void open(Writer w) {
            out = w;
        }

        void add(long ts, SimThread t, String expect, long eventTs, String text) throws IOException {
            written++;
            switch (expect) {
                case "malformed" -> malformed++;
                case "thread_name" -> threadNames++;
                default -> events++;
            }
            out.write(ts + "\t" + t.proc.pid + "\t" + t.tid + "\t" + expect + "\t" + eventTs + "\t" + text + "\n");
        }
    }

    /** What a marker write becomes once the times it refers to are known. */
    private abstract static class Marker {
        byte[] bytes;
        long eventTs;
        String expect;

        /** Builds the text, when the write enters. */
        abstract String text(long enterTs);

        /** The event's timestamp, known when the write exits (default: the exit's). */
        long eventTs(long exitTs) {
            return exitTs;
        }
    }

    /** Records when a futex wait began and ended. */
    private static final class Wait {
        long start;
        long end;
    }

    final MarkerLog log = new MarkerLog();
    private final SimThread acceptor;
    private final SimThread[] workers;
    private final String[] javaNames;
    private final boolean[] named;
    private boolean acceptorNamed;
    private boolean acceptorWaiting;
    private final boolean[] workerWaiting;
    private final long[] workerSeq;
    private final Conn clientConn = new Conn();
    private final Conn serverConn = new Conn();
    private final Bytes request = new Bytes(512);
    private final Bytes response = new Bytes(512);
    private int nextPort;
    private long requests;

    JavaActivity(World world, Rng rng, SimClock clock) {
        super(world, rng, clock);
        acceptor = world.javaServer.threads.get(1);
        workers = new SimThread[] {world.javaServer.threads.get(2), world.javaServer.threads.get(3)};
        javaNames = new String[] {"http-nio-8090-exec-1", "http-nio-8090-exec-2"};
        named = new boolean[workers.length];
        workerWaiting = new boolean[workers.length];
        workerSeq = new long[workers.length];
        nextPort = 40000 + rng.nextInt(10000);
    }

    @Override
    void plan() {
        if (!acceptorNamed) {
            marker(acceptor, new Fixed("kd-tm@" + acceptor.tid + "!http-nio-8090-Acceptor!", "thread_name"));
            acceptorNamed = true;
        }
        if (!acceptorWaiting) {
            enter(acceptor, Ppm.ACCEPT_5_E).blocking = true;
            acceptorWaiting = true;
        }
        for (int i = 0; i < workers.length; i++) {
            if (!workerWaiting[i]) {
                workerWait(i);
            }
        }
        request();
    }

    private void workerWait(int i) {
        workerSeq[i]++;
        Ev e = futexEnter(workers[i], POOL_FUTEX + 8L * i, Ppm.FUTEX_WAIT | Ppm.FUTEX_PRIVATE_FLAG, workerSeq[i]);
        e.blocking = true;
        workerWaiting[i] = true;
    }

    private void request() {
        requests++;
        SimProcess clients = world.hey4;
        SimThread c = clients.threads.get(rng.nextInt(clients.threads.size()));
        String path = PATHS[rng.nextInt(PATHS.length)] + "/" + (1 + rng.nextInt(500));
        String traceId = hex(rng.nextLong()) + hex(rng.nextLong());
        request.clear().add(Bytes.ascii("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:8090\r\n\r\n"));
        response.clear().add(Payloads.S200).add(Bytes.ascii("Content-Length: 2\r\n\r\n{}"));

        // the client connects, the acceptor accepts and wakes a worker
        int cfd = c.proc.fdAlloc.allocate();
        socket(c, Ppm.AF_INET, Ppm.SOCK_STREAM | Ppm.SOCK_CLOEXEC, Ppm.IPPROTO_TCP, cfd);
        nextPort = nextPort >= 60000 ? 40000 + rng.nextInt(64) : nextPort + 1 + rng.nextInt(3);
        clientConn.set4(World.LOOPBACK, nextPort, World.LOOPBACK, World.JAVA_PORT);
        serverConn.set4(World.LOOPBACK, World.JAVA_PORT, World.LOOPBACK, nextPort);
        Ev ce = enter(c, Ppm.CONNECT_E);
        ce.fd = cfd;
        ce.conn = clientConn;
        int sfd = acceptor.proc.fdAlloc.allocate();
        Ev ax = exit(acceptor, Ppm.ACCEPT_5_X, sfd);
        ax.fd = sfd;
        ax.conn = serverConn;
        ax.delayNs = usec(5, 30);
        Ev cx = exit(c, Ppm.CONNECT_X, 0);
        cx.conn = clientConn;
        int w = rng.nextInt(workers.length);
        SimThread worker = workers[w];
        futexEnter(acceptor, POOL_FUTEX + 8L * w, Ppm.FUTEX_WAKE | Ppm.FUTEX_PRIVATE_FLAG, 1);
        exit(acceptor, Ppm.FUTEX_X, 1);
        enter(acceptor, Ppm.ACCEPT_5_E).blocking = true;
        exit(worker, Ppm.FUTEX_X, 0).delayNs = usec(2, 20);
        workerWaiting[w] = false;

        // the client sends the request; the worker names itself once, then reads it
        io(c, Ppm.WRITE_E, cfd, request.n, request.a, request.n, request.n);
        Ev cr = enter(c, Ppm.READ_E);
        cr.fd = cfd;
        cr.size = 4096;
        cr.blocking = true;
        if (rng.percent(15)) {
            // the worker is faster than the client: nothing to read yet
            Ev r0 = enter(worker, Ppm.READ_E);
            r0.fd = sfd;
            r0.size = 8192;
            Ev rx0 = exit(worker, Ppm.READ_X, -Ppm.EAGAIN);
            rx0.conn = serverConn;
        }
        if (!named[w]) {
            marker(worker, new Fixed("kd-tm@" + worker.tid + "!" + javaNames[w] + "!", "thread_name"));
            named[w] = true;
        }
        Ev r = enter(worker, Ppm.READ_E);
        r.fd = sfd;
        r.size = 8192;
        Ev rx = exit(worker, Ppm.READ_X, request.n);
        rx.data = request.a;
        rx.dataLen = request.n;
        rx.conn = serverConn;
        rx.inbound = true;

        long[] started = new long[1];
        marker(worker, new Marker() {
            @Override
            String text(long enterTs) {
                started[0] = enterTs;
                return "kd-txid@" + traceId + "!1!http!" + path + "!";
            }
        }).expect = "apm_trace_id_event";

        if (rng.percent(40)) {
            // the handler waits for a lock another thread holds, and the agent reports it
            Wait wait = new Wait();
            Ev fe = futexEnter(worker, LOCK_FUTEX, Ppm.FUTEX_WAIT | Ppm.FUTEX_PRIVATE_FLAG, 2);
            fe.blocking = true;
            fe.tag = wait;
            Ev fx = exit(worker, Ppm.FUTEX_X, 0);
            fx.delayNs = usec(100, 2000);
            fx.tag = wait;
            marker(worker, new Marker() {
                @Override
                String text(long enterTs) {
                    return "kd-jf@" + wait.start + "!" + wait.end + "!" + worker.tid + "!";
                }

                @Override
                long eventTs(long exitTs) {
                    return wait.start;
                }
            }).expect = "java_futex_info";
        }
        if (rng.percent(70)) {
            String span = SPANS[rng.nextInt(SPANS.length)];
            boolean versioned = rng.nextInt(3) != 0;
            long duration = usec(40, 600);
            Marker m = marker(worker, new Marker() {
                @Override
                String text(long enterTs) {
                    return versioned ? "kd-span@1!" + started[0] + "!" + span + "!" + traceId + "!"
                            : "kd-span@" + duration + "!" + span + "!" + traceId + "!";
                }

                @Override
                long eventTs(long exitTs) {
                    return versioned ? started[0] : exitTs - duration;
                }
            });
            m.expect = "apm_span_event";
        }
        if (rng.percent(6)) {
            marker(worker, new Fixed(malformed(traceId, worker), "malformed"));
        }

        // the answer, the end of the request, the close
        writeAnswer(worker, sfd, response);
        marker(worker, new Marker() {
            @Override
            String text(long enterTs) {
                return "kd-txid@" + traceId + "!0!http!" + path + "!";
            }
        }).expect = "apm_trace_id_event";
        close(worker, sfd);
        workerWait(w);

        Ev crx = exit(c, Ppm.READ_X, response.n);
        crx.data = response.a;
        crx.dataLen = response.n;
        crx.conn = clientConn;
        crx.inbound = true;
        close(c, cfd);
    }

    /** A malformed marker, one of several kinds that the agent's format does not allow. */
    private String malformed(String traceId, SimThread t) {
        return switch (rng.nextInt(6)) {
            case 0 -> "kd-txid@" + traceId;                       // no field is terminated
            case 1 -> "kd-jf@12a4!99!" + t.tid + "!";             // a time that is no number
            case 2 -> "kd-span@1";                                 // too short for a span
            case 3 -> "kd-tm@!worker!";                           // no thread id
            case 4 -> "kd-txid@" + traceId + "!2!http!/x!";       // neither entry (1) nor exit (0)
            default -> "kd-span@1!" + clock.now + "!SELECT";       // the span name and trace id are missing
        };
    }

    private static String hex(long v) {
        String s = Long.toHexString(v);
        return "0".repeat(16 - s.length()) + s;
    }

    private Marker marker(SimThread t, Marker m) {
        Ev e = enter(t, Ppm.WRITE_E);
        e.fd = World.JAVA_MARKER_FD;
        e.tag = m;
        Ev x = exit(t, Ppm.WRITE_X, 0);
        x.tag = m;
        return m;
    }

    @Override
    void stamped(Ev e, long ts) throws IOException {
        if (e.tag instanceof Wait w) {
            if (e.type == Ppm.FUTEX_E) {
                w.start = ts;
            } else {
                w.end = ts;
            }
        } else if (e.tag instanceof Marker m) {
            if (e.type == Ppm.WRITE_E) {
                m.bytes = m.text(ts).getBytes(StandardCharsets.US_ASCII);
                e.size = m.bytes.length;
            } else {
                e.res = m.bytes.length;
                e.data = m.bytes;
                e.dataLen = m.bytes.length;
                m.eventTs = m.eventTs(ts);
                log.add(ts, e.th, m.expect, m.eventTs, new String(m.bytes, StandardCharsets.US_ASCII));
            }
        }
    }

    /** A marker whose text does not depend on time. */
    private static final class Fixed extends Marker {
        private final String text;

        Fixed(String text, String expect) {
            this.text = text;
            this.expect = expect;
        }

        @Override
        String text(long enterTs) {
            return text;
        }
    }
}

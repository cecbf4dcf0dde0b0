package io.kindling.probe.generator.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The connections of one {@link Workload}: a client process talking to a server process over loopback, each
 * side seen from its own process. TCP: the client connects (the server's main thread wakes from epoll_wait and
 * accepts; a server with more threads hands the connection to one of them), sends requests over one connection
 * (keep-alive; several at once where the workload pipelines), sometimes split over several writes and reads, and
 * closes; a server that never answers closes the connection itself, a refused connect is followed by a close.
 * UDP: the client sends each request as a datagram on its socket (several in flight at once, answered by id in
 * any order), the server reads it with its peer and answers with sendto; a datagram the server drops leaves the
 * client waiting until it gives up and closes its socket. Every request is logged to the {@link RequestLog}, as
 * its client and as its server see it.
 */
final class RequestActivity extends Activity {

    private static final int MAX_BATCH = 8;
    /** Bytes the capture keeps of a call: a pipelined message must start within them for the probe to read it. */
    private static final int KEPT = EventEncoder.SNAPLEN;
    private static final int LISTEN_FD = 4;
    private static final long MAXEVENTS = 64;

    /** A connection (for UDP, a client socket), both sides. */
    private static final class Link {
        SimThread client;
        SimThread server;
        int cfd;
        int sfd;
        final Conn clientConn = new Conn();
        final Conn serverConn = new Conn();
        RequestLog.Sock clientSock;
        RequestLog.Sock serverSock;
        int left;
        /** Opened by the batch being played: its handshake comes first. */
        boolean fresh;
    }

    private final Workload w;
    private final RequestLog log;
    private final SimProcess serverProc;
    private final SimProcess clientProc;
    private final boolean[] inEpoll;
    private final List<Link> links = new ArrayList<>();
    private final Exchange[] batch = new Exchange[MAX_BATCH];
    private final int[] reqOff = new int[MAX_BATCH + 1];
    private final int[] respOff = new int[MAX_BATCH + 1];
    private final RequestLog.Entry[] clientEntries = new RequestLog.Entry[MAX_BATCH];
    private final RequestLog.Entry[] serverEntries = new RequestLog.Entry[MAX_BATCH];
    private final Bytes requests = new Bytes(MAX_BATCH * 64 * 1024);
    private final Bytes responses = new Bytes(MAX_BATCH * 256 * 1024);
    /** Where the writer's calls end, and the reader's. */
    private final int[] writes = new int[MAX_BATCH + 1];
    private final int[] reads = new int[MAX_BATCH + 1];
    private final int[] order = new int[MAX_BATCH];
    private final Link[] owners = new Link[MAX_BATCH];
    private final Conn refused = new Conn();
    private final RequestLog.Sock udpServerSock;

    RequestActivity(World world, Rng rng, SimClock clock, Workload w, RequestLog log) {
        super(world, rng, clock);
        this.w = w;
        this.log = log;
        SimProcess[] procs = world.workloads.get(w.protocol());
        serverProc = procs[0];
        clientProc = procs[1];
        inEpoll = new boolean[serverProc.threads.size()];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = new Exchange();
        }
        nextPort = 33000 + rng.nextInt(20000);
        udpServerSock = new RequestLog.Sock(serverProc.pid);
        udpServerSock.fd = LISTEN_FD;
    }

    @Override
    void stamped(Ev e, long ts) throws java.io.IOException {
        if (e.tag != null) {
            log.stamped(e, ts);
        }
    }

    @Override
    void plan() {
        for (int i = 0; i < inEpoll.length; i++) {
            if (!inEpoll[i]) {
                sleep(i);
            }
        }
        int k = Math.max(1, Math.min(MAX_BATCH, w.pipeline(rng)));
        for (int j = 0; j < k; j++) {
            w.next(batch[j].clear(), rng, j);
            if (j > 0 && batch[j].connectFail) {
                k = j; // a refused connect is not part of a batch
                break;
            }
            if (batch[j].connectFail || batch[j].noResponse || batch[j].close || batch[j].endsBatch) {
                k = j + 1; // the batch ends there
            }
        }
        if (batch[0].connectFail) {
            if (!w.udp()) {
                refusedConnect();
                return;
            }
            k = 1;
            batch[0].connectFail = false;
        }
        k = fitting(k);
        Link l = links.isEmpty() || links.size() < w.connections() && rng.percent(20) ? open()
                : links.get(rng.nextInt(links.size()));
        if (w.udp()) {
            datagrams(l, k);
            return;
        }
        if (l.fresh) {
            l.fresh = false;
            opening(l, batch[0]);
        }
        boolean closed = stream(l, k);
        l.left -= k;
        if (!closed && (l.left <= 0 || batch[k - 1].close)) {
            close(l, batch[k - 1]);
        }
    }

    /** How many of the batch fit: each message must start within what the capture keeps of the call that carries it. */
    private int fitting(int k) {
        int r = 0;
        int s = 0;
        for (int j = 0; j < k; j++) {
            if (j > 0 && (r + Math.min(64, batch[j].request.n) > KEPT || s + Math.min(64, batch[j].response.n) > KEPT)) {
                return j;
            }
            r += batch[j].request.n;
            s += batch[j].response.n;
        }
        return k;
    }

    // ---- server threads

    private int threadIndex(SimThread t) {
        return serverProc.threads.indexOf(t);
    }

    private void wake(SimThread t) {
        int i = threadIndex(t);
        if (inEpoll[i]) {
            Ev x = exit(t, Ppm.EPOLLWAIT_X, 1);
            x.delayNs = usec(5, 30);
            inEpoll[i] = false;
        }
    }

    private void sleep(int i) {
        Ev e = enter(serverProc.threads.get(i), Ppm.EPOLLWAIT_E);
        e.size = (int) MAXEVENTS;
        e.blocking = true;
        inEpoll[i] = true;
    }

    private void sleep(SimThread t) {
        int i = threadIndex(t);
        if (!inEpoll[i]) {
            sleep(i);
        }
    }

    // ---- connections

    private Link open() {
        Link l = new Link();
        l.client = clientProc.threads.get(rng.nextInt(clientProc.threads.size()));
        int n = serverProc.threads.size();
        l.server = n == 1 ? serverProc.main() : serverProc.threads.get(1 + rng.nextInt(n - 1));
        l.left = Math.max(1, w.exchangesPerConnection(rng));
        l.cfd = clientProc.fdAlloc.allocate();
        int port = ephemeralPort();
        l.clientConn.set4(World.LOOPBACK, port, World.LOOPBACK, w.port());
        l.serverConn.set4(World.LOOPBACK, w.port(), World.LOOPBACK, port);
        l.clientSock = new RequestLog.Sock(clientProc.pid);
        l.clientSock.fd = l.cfd;
        if (w.udp()) {
            socket(l.client, Ppm.AF_INET, Ppm.SOCK_DGRAM | Ppm.SOCK_CLOEXEC, Ppm.IPPROTO_IP, l.cfd);
            connect(l.client, l.cfd, l.clientConn, 0);
            l.sfd = LISTEN_FD;
            l.serverSock = udpServerSock;
        } else {
            socket(l.client, Ppm.AF_INET, Ppm.SOCK_STREAM | Ppm.SOCK_CLOEXEC, Ppm.IPPROTO_TCP, l.cfd);
            Ev ce = enter(l.client, Ppm.CONNECT_E);
            ce.fd = l.cfd;
            ce.conn = l.clientConn;
            SimThread acceptor = serverProc.main();
            wake(acceptor);
            l.sfd = serverProc.fdAlloc.allocate();
            enter(acceptor, Ppm.ACCEPT_5_E);
            Ev ax = exit(acceptor, Ppm.ACCEPT_5_X, l.sfd);
            ax.fd = l.sfd;
            ax.conn = l.serverConn;
            sleep(acceptor);
            Ev cx = exit(l.client, Ppm.CONNECT_X, 0);
            cx.conn = l.clientConn;
            l.serverSock = new RequestLog.Sock(serverProc.pid);
            l.serverSock.fd = l.sfd;
        }
        l.fresh = true;
        links.add(l);
        return l;
    }

    /**
     * The handshake a TCP connection opens with ({@link Exchange#opening}): each turn written in one call and read
     * in one by the other side, which waits for it; the probe reports no request for it.
     */
    private void opening(Link l, Exchange x) {
        if (x.openingTurns == 0) {
            return;
        }
        wake(l.server);
        for (int i = 0; i < x.openingTurns; i++) {
            boolean fromServer = x.openingFromServer[i];
            message(fromServer ? l.server : l.client, fromServer ? l.sfd : l.cfd, fromServer ? l.client : l.server,
                    fromServer ? l.cfd : l.sfd, x.opening, i == 0 ? 0 : x.openingEnds[i - 1], x.openingEnds[i]);
        }
    }

    /** Bytes [a, b) of {@code buf} that one side writes in one call and the other, waiting for them, reads in one. */
    private void message(SimThread writer, int wfd, SimThread reader, int rfd, Bytes buf, int a, int b) {
        Ev re = enter(reader, Ppm.READ_E);
        re.fd = rfd;
        re.size = 16384;
        re.blocking = true;
        Ev we = enter(writer, Ppm.WRITE_E);
        we.fd = wfd;
        we.size = b - a;
        we.delayNs = usec(10, 80);
        Ev wx = exit(writer, Ppm.WRITE_X, b - a);
        data(wx, buf, a, b);
        Ev rx = exit(reader, Ppm.READ_X, b - a);
        data(rx, buf, a, b);
        rx.delayNs = usec(5, 30);
    }

    /**
     * The client closes (after {@code last}'s {@link Exchange#closing} message, which the server reads); a TCP server
     * reads the end of the stream and closes its side.
     */
    private void close(Link l, Exchange last) {
        links.remove(l);
        if (!w.udp() && last != null && last.closing.n > 0) {
            wake(l.server);
            message(l.client, l.cfd, l.server, l.sfd, last.closing, 0, last.closing.n);
        }
        close(l.client, l.cfd);
        if (!w.udp()) {
            wake(l.server);
            Ev r = enter(l.server, Ppm.READ_E);
            r.fd = l.sfd;
            r.size = 16384;
            exit(l.server, Ppm.READ_X, 0);
            close(l.server, l.sfd);
            sleep(l.server);
        }
    }

    /** A connect to the server's port refused (the server restarting): a {@code ConnectFail}, then a close. */
    private void refusedConnect() {
        SimThread c = clientProc.threads.get(rng.nextInt(clientProc.threads.size()));
        int fd = clientProc.fdAlloc.allocate();
        socket(c, Ppm.AF_INET, Ppm.SOCK_STREAM | Ppm.SOCK_CLOEXEC, Ppm.IPPROTO_TCP, fd);
        refused.set4(World.LOOPBACK, ephemeralPort(), World.LOOPBACK, w.port());
        RequestLog.Sock sock = new RequestLog.Sock(clientProc.pid);
        sock.fd = fd;
        RequestLog.Entry e = log.connectEntry(sock, w.protocol(), w.port());
        Ev ce = enter(c, Ppm.CONNECT_E);
        ce.fd = fd;
        ce.conn = refused;
        ce.tag = new RequestLog.Mark(e, RequestLog.START, 0, null);
        Ev cx = exit(c, Ppm.CONNECT_X, -Ppm.ECONNREFUSED);
        cx.conn = refused;
        cx.tag = new RequestLog.Mark(e, RequestLog.CONNECT_FAILED, 0, null);
        close(c, fd);
    }

    // ---- TCP

    /** A batch of requests over a connection; true when the connection closed (a server that did not answer). */
    private boolean stream(Link l, int k) {
        layout(k);
        int silent = batch[k - 1].noResponse ? k - 1 : k; // requests [0, silent) are answered
        for (int j = 0; j < k; j++) {
            clientEntries[j] = log.entry(l.clientSock, false, w.protocol(), w.port(), batch[j]);
            serverEntries[j] = log.entry(l.serverSock, true, w.protocol(), w.port(), batch[j]);
        }
        // the client writes the requests, then waits for the answer
        int nw = split(writes, batch[0].requestHead, requests.n, k, reqOff);
        writeCalls(l.client, l.cfd, requests, nw, clientEntries, reqOff, k, false, 0);
        Ev cr = enter(l.client, Ppm.READ_E);
        cr.fd = l.cfd;
        cr.size = 16384;
        cr.blocking = true;

        // the server reads them, in the same pieces or all at once
        wake(l.server);
        readCalls(l.server, l.sfd, requests, reread(nw), serverEntries, reqOff, k, false, false);
        if (rng.percent(20)) {
            // a server that reads until the socket is drained
            Ev re = enter(l.server, Ppm.READ_E);
            re.fd = l.sfd;
            re.size = 16384;
            exit(l.server, Ppm.READ_X, -Ppm.EAGAIN);
        }
        long handler = 0;
        for (int j = 0; j < k; j++) {
            handler += batch[j].handlerNs;
        }
        boolean firstRead = true;
        if (silent > 0) {
            nw = split(writes, batch[0].responseHead, respOff[silent], silent, respOff);
            writeCalls(l.server, l.sfd, responses, nw, serverEntries, respOff, silent, true, handler);
            // the client reads the answers, in the same pieces or all at once
            readCalls(l.client, l.cfd, responses, reread(nw), clientEntries, respOff, silent, true, true);
            firstRead = false;
        }
        if (silent == k) {
            sleep(l.server);
            return false;
        }
        // the server closes without answering the last request; the client reads the end of the stream and closes
        Ev sc = enter(l.server, Ppm.CLOSE_E);
        sc.fd = l.sfd;
        sc.delayNs = batch[k - 1].handlerNs;
        sc.tag = new RequestLog.Mark(serverEntries[k - 1], RequestLog.CLOSED, 0, null);
        exit(l.server, Ppm.CLOSE_X, 0);
        serverProc.fdAlloc.release(l.sfd);
        sleep(l.server);
        if (!firstRead) {
            Ev re = enter(l.client, Ppm.READ_E);
            re.fd = l.cfd;
            re.size = 16384;
        }
        Ev eof = exit(l.client, Ppm.READ_X, 0);
        eof.delayNs = usec(5, 30);
        Ev cc = enter(l.client, Ppm.CLOSE_E);
        cc.fd = l.cfd;
        cc.tag = new RequestLog.Mark(clientEntries[k - 1], RequestLog.CLOSED, 0, null);
        exit(l.client, Ppm.CLOSE_X, 0);
        clientProc.fdAlloc.release(l.cfd);
        links.remove(l);
        return true;
    }

    /**
     * The writer's {@code n} calls that carry {@link #writes}' pieces of {@code buf}, each marking the messages
     * laid out at {@code off} that it carries; the first waits {@code firstDelay} (a server's handler time).
     */
    private void writeCalls(SimThread t, int fd, Bytes buf, int n, RequestLog.Entry[] entries, int[] off, int count,
            boolean response, long firstDelay) {
        for (int i = 0; i < n; i++) {
            int a = i == 0 ? 0 : writes[i - 1];
            int b = writes[i];
            Ev we = enter(t, Ppm.WRITE_E);
            we.fd = fd;
            we.size = b - a;
            we.delayNs = i == 0 ? firstDelay : response ? usec(1, 10) : 0;
            we.tag = response ? null : marks(entries, off, count, a, b, RequestLog.START, false);
            Ev wx = exit(t, Ppm.WRITE_X, b - a);
            data(wx, buf, a, b);
            wx.tag = marks(entries, off, count, a, b, response ? RequestLog.RESPONSE : RequestLog.REQUEST, response);
        }
    }

    /** The reader's {@code n} calls that take {@link #reads}' pieces of {@code buf}; {@code entered}: the first blocks already. */
    private void readCalls(SimThread t, int fd, Bytes buf, int n, RequestLog.Entry[] entries, int[] off, int count,
            boolean response, boolean entered) {
        for (int i = 0; i < n; i++) {
            int a = i == 0 ? 0 : reads[i - 1];
            int b = reads[i];
            if (i > 0 || !entered) {
                Ev re = enter(t, Ppm.READ_E);
                re.fd = fd;
                re.size = 16384;
            }
            Ev rx = exit(t, Ppm.READ_X, b - a);
            data(rx, buf, a, b);
            rx.tag = marks(entries, off, count, a, b, response ? RequestLog.RESPONSE : RequestLog.START | RequestLog.REQUEST,
                    response);
            rx.delayNs = response ? usec(5, 30) : usec(2, 20);
        }
    }

    /** Lays the batch's requests and responses end to end in {@link #requests} and {@link #responses}. */
    private void layout(int k) {
        requests.clear();
        responses.clear();
        for (int j = 0; j < k; j++) {
            reqOff[j] = requests.n;
            respOff[j] = responses.n;
            requests.add(batch[j].request);
            responses.add(batch[j].response);
        }
        reqOff[k] = requests.n;
        respOff[k] = responses.n;
    }

    /**
     * Where the writer's calls that carry {@code n} bytes of {@code k} messages laid out at {@code off} end: one
     * message now and then split after its head over two or three calls; several in one call, or now and then one
     * call each. Returns the number of calls.
     */
    private int split(int[] ends, int head, int n, int k, int[] off) {
        if (k > 1) {
            if (rng.percent(30)) {
                for (int j = 0; j < k; j++) {
                    ends[j] = off[j + 1];
                }
                return k;
            }
            ends[0] = n;
            return 1;
        }
        if (head <= 0 || n - head < 2 || !rng.percent(25)) {
            ends[0] = n;
            return 1;
        }
        int first = head + rng.nextInt(n - head - 1);
        if (n - first > 2 && rng.percent(30)) {
            ends[0] = first;
            ends[1] = first + 1 + rng.nextInt(n - first - 1);
            ends[2] = n;
            return 3;
        }
        ends[0] = first;
        ends[1] = n;
        return 2;
    }

    /** The reader's calls after the writer's {@code n} calls of {@link #writes}: the same pieces, or now and then all at once. */
    private int reread(int n) {
        if (n > 1 && rng.percent(50)) {
            reads[0] = writes[n - 1];
            return 1;
        }
        System.arraycopy(writes, 0, reads, 0, n);
        return n;
    }

    /**
     * The marks of a call that carries bytes [a, b) of messages laid out at {@code off}: every message with bytes
     * in it; with {@code done}, a message that ends in it is logged.
     */
    private static RequestLog.Mark marks(RequestLog.Entry[] entries, int[] off, int count, int a, int b, int kind,
            boolean done) {
        RequestLog.Mark m = null;
        for (int j = count - 1; j >= 0; j--) {
            int from = Math.max(a, off[j]);
            int to = Math.min(b, off[j + 1]);
            if (to <= from) {
                continue;
            }
            int bits = kind;
            if (done && off[j + 1] <= b) {
                bits |= RequestLog.DONE;
            }
            m = new RequestLog.Mark(entries[j], bits, to - from, m);
        }
        return m;
    }

    private static void data(Ev x, Bytes b, int from, int to) {
        x.data = b.a;
        x.dataOff = from;
        x.dataLen = to - from;
    }

    // ---- UDP

    /**
     * A batch of datagrams on the client's socket, now and then with another socket's batch in flight at the same
     * time (an asynchronous resolver): the server reads the queries as they come, then answers them, in any order
     * where the workload allows it. A socket with a query the server dropped is given up after the client's timeout.
     */
    private void datagrams(Link l, int k) {
        for (int j = 0; j < k; j++) {
            owners[j] = l;
        }
        int total = k;
        if (links.size() >= 2 && rng.percent(25)) {
            Link other = links.get(rng.nextInt(links.size()));
            if (other != l) {
                int more = Math.min(MAX_BATCH - k, Math.max(1, w.pipeline(rng)));
                for (int j = 0; j < more; j++) {
                    Exchange x = batch[total].clear();
                    w.next(x, rng, j);
                    x.connectFail = false;
                    owners[total++] = other;
                    if (x.noResponse || x.close) {
                        break;
                    }
                }
            }
        }
        for (int j = 0; j < total; j++) {
            Exchange x = batch[j];
            Link o = owners[j];
            clientEntries[j] = log.entry(o.clientSock, false, w.protocol(), w.port(), x);
            Ev se = sendtoEnter(o.client, o.cfd, x.request.n, o.clientConn);
            se.tag = new RequestLog.Mark(clientEntries[j], RequestLog.START, 0, null);
            Ev sx = exit(o.client, Ppm.SENDTO_X, x.request.n);
            data(sx, x.request, 0, x.request.n);
            sx.tag = new RequestLog.Mark(clientEntries[j], RequestLog.REQUEST, x.request.n, null);
        }
        if (rng.percent(30)) {
            // a non-blocking receive before the answers are there
            Ev re = enter(l.client, Ppm.RECVFROM_E);
            re.fd = l.cfd;
            re.size = 4096;
            exit(l.client, Ppm.RECVFROM_X, -Ppm.EAGAIN);
        }
        // the server reads the queries that reach it, then answers them
        SimThread s = l.server;
        int answered = 0;
        wake(s);
        for (int j = 0; j < total; j++) {
            Exchange x = batch[j];
            if (x.noResponse) {
                continue; // dropped
            }
            order[answered++] = j;
            serverEntries[j] = log.entry(udpServerSock, true, w.protocol(), w.port(), x);
            Ev re = enter(s, Ppm.RECVFROM_E);
            re.fd = LISTEN_FD;
            re.size = 4096;
            Ev rx = recvfromExit(s, x.request.n, x.request.a, x.request.n, owners[j].serverConn);
            rx.tag = new RequestLog.Mark(serverEntries[j], RequestLog.START | RequestLog.REQUEST, x.request.n, null);
        }
        if (w.reorders()) {
            for (int i = answered - 1; i > 0; i--) {
                int r = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[r];
                order[r] = t;
            }
        }
        for (int i = 0; i < answered; i++) {
            Exchange x = batch[order[i]];
            Ev se = sendtoEnter(s, LISTEN_FD, x.response.n, owners[order[i]].serverConn);
            se.delayNs = x.handlerNs;
            Ev sx = exit(s, Ppm.SENDTO_X, x.response.n);
            data(sx, x.response, 0, x.response.n);
            sx.tag = new RequestLog.Mark(serverEntries[order[i]], RequestLog.RESPONSE | RequestLog.DONE, x.response.n, null);
        }
        sleep(s);
        // each client reads its answers
        for (int i = 0; i < answered; i++) {
            Exchange x = batch[order[i]];
            Link o = owners[order[i]];
            Ev re = enter(o.client, Ppm.RECVFROM_E);
            re.fd = o.cfd;
            re.size = 4096;
            re.blocking = true;
            Ev rx = recvfromExit(o.client, x.response.n, x.response.a, x.response.n, o.clientConn);
            rx.tag = new RequestLog.Mark(clientEntries[order[i]], RequestLog.RESPONSE | RequestLog.DONE, x.response.n, null);
            rx.delayNs = usec(5, 30);
        }
        // a socket with a dropped query waits until the client's timeout, then is given up; the others go on
        for (int j = 0; j < total; j++) {
            Link o = owners[j];
            boolean seen = false;
            for (int i = 0; i < j; i++) {
                seen |= owners[i] == o;
            }
            if (seen) {
                continue;
            }
            RequestLog.Mark m = null;
            long timeout = 0;
            int sent = 0;
            for (int i = j; i < total; i++) {
                if (owners[i] == o) {
                    sent++;
                    if (batch[i].noResponse) {
                        m = new RequestLog.Mark(clientEntries[i], RequestLog.CLOSED, 0, m);
                        timeout = Math.max(timeout, batch[i].handlerNs);
                    }
                }
            }
            o.left -= sent;
            if (m != null) {
                Ev cc = enter(o.client, Ppm.CLOSE_E);
                cc.fd = o.cfd;
                cc.delayNs = timeout;
                cc.tag = m;
                exit(o.client, Ppm.CLOSE_X, 0);
                clientProc.fdAlloc.release(o.cfd);
                links.remove(o);
            } else if (o.left <= 0) {
                close(o, null);
            }
        }
    }
}

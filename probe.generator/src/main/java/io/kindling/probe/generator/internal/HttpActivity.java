package io.kindling.probe.generator.internal;

/**
 * HTTP/1.1 over loopback TCP: two {@code hey} load generators (IPv4 GET, IPv6 POST) and a Python health
 * probe that first resolves {@code api.internal} with systemd-resolved over UDP, all talking to
 * {@code api-server}. The server's main thread waits in epoll_wait, accepts and hands each connection to
 * one of two worker threads through a futex; the worker reads the request, writes the response, writes
 * an access-log line to its standard output and closes the connection.
 */
final class HttpActivity extends Activity {

    private static final long WORKER_FUTEX = 0x7f3a2c0008c8L;
    private static final long RESOLVED_MAXEVENTS = 22;
    private static final long SERVER_MAXEVENTS = 128;

    private static final byte[] HEALTH_BODY = Bytes.ascii("{\"status\":\"ok\",\"uptime_s\":");
    private static final byte[] PAGE_OPEN = Bytes.ascii("{\"page\":");
    private static final byte[] ITEMS_OPEN = Bytes.ascii(",\"items\":[");
    private static final byte[] ITEM_ID = Bytes.ascii("{\"id\":");
    private static final byte[] ITEM_NAME = Bytes.ascii(",\"name\":\"");
    private static final byte[] ITEM_STOCK = Bytes.ascii("\",\"stock\":");
    private static final byte[] ITEMS_CLOSE = Bytes.ascii("]}");
    private static final byte[] ORDER_OPEN = Bytes.ascii("{\"order\":");
    private static final byte[] ORDER_CREATED = Bytes.ascii(",\"status\":\"created\"}");
    private static final byte[] LOG_IDENT = Bytes.ascii(" - - [");
    private static final byte[] LOG_REQUEST = Bytes.ascii("] \"");
    private static final byte[] LOG_STATUS = Bytes.ascii("\" ");
    private static final byte[] LOG_REFERER = Bytes.ascii(" \"-\" \"");
    private static final byte[] CLIENT4 = Bytes.ascii("127.0.0.1");
    private static final byte[] CLIENT6 = Bytes.ascii("::1");
    private static final byte[] LOG_END = Bytes.ascii("\"\n");

    private final SimThread server;
    private final SimThread[] workers;
    private final boolean[] workerWaiting;
    private final long[] workerSeq;
    private final SimThread resolver;
    private boolean serverInEpoll;
    private boolean resolverInEpoll;

    private final Conn clientConn = new Conn();
    private final Conn serverConn = new Conn();
    private final Conn dnsClient = new Conn();
    private final Conn dnsServer = new Conn();
    private final Conn refused = new Conn();

    private final Bytes request = new Bytes(2048);
    private final Bytes body = new Bytes(2048);
    private final Bytes response = new Bytes(4096);
    private final Bytes accessLog = new Bytes(1024);
    private final Bytes dnsQuery = new Bytes(512);
    private final Bytes dnsAnswer = new Bytes(512);

    private long orderId = 5000;
    private final long startNs;

    /** Where the requests are logged; null when the capture has no request log. */
    private final RequestLog log;
    /** The expected attributes of the request being planned. */
    private final Exchange expect = new Exchange();

    HttpActivity(World world, Rng rng, SimClock clock, RequestLog log) {
        super(world, rng, clock);
        this.log = log;
        server = world.apiServer.main();
        workers = new SimThread[] {world.apiServer.threads.get(1), world.apiServer.threads.get(2)};
        workerWaiting = new boolean[workers.length];
        workerSeq = new long[workers.length];
        resolver = world.resolved.main();
        nextPort = 32768 + rng.nextInt(20000);
        startNs = clock.now;
    }

    @Override
    void stamped(Ev e, long ts) throws java.io.IOException {
        if (e.tag != null) {
            log.stamped(e, ts);
        }
    }

    /** Tags an event with what it does to a logged request (nothing when the capture has no request log). */
    private void mark(Ev e, RequestLog.Entry entry, int kind, long bytes) {
        if (entry != null) {
            e.tag = new RequestLog.Mark(entry, kind, bytes, (RequestLog.Mark) e.tag);
        }
    }

    private RequestLog.Entry entry(long pid, long fd, boolean server, String protocol, int port) {
        if (log == null) {
            return null;
        }
        RequestLog.Sock sock = new RequestLog.Sock(pid);
        sock.fd = fd;
        return log.entry(sock, server, protocol, port, expect);
    }

    @Override
    void plan() {
        // threads that are parked at the start of the capture enter their waits first
        if (!serverInEpoll) {
            Ev e = enter(server, Ppm.EPOLLWAIT_E);
            e.size = (int) SERVER_MAXEVENTS;
            e.blocking = true;
            serverInEpoll = true;
        }
        for (int i = 0; i < workers.length; i++) {
            if (!workerWaiting[i]) {
                workerWait(i);
            }
        }
        if (rng.percent(4)) {
            // epoll_wait timed out without a connection
            Ev x = exit(server, Ppm.EPOLLWAIT_X, 0);
            x.delayNs = usec(500, 5000);
            Ev e = enter(server, Ppm.EPOLLWAIT_E);
            e.size = (int) SERVER_MAXEVENTS;
            e.blocking = true;
        }

        int kind = rng.nextInt(100);
        if (kind < 50) {
            SimProcess p = world.hey4;
            exchange(p.threads.get(rng.nextInt(p.threads.size())), false, false);
        } else if (kind < 85) {
            SimProcess p = world.hey6;
            exchange(p.threads.get(rng.nextInt(p.threads.size())), true, false);
        } else {
            SimThread probe = world.monitor.main();
            dnsLookup(probe);
            if (rng.percent(5)) {
                refusedConnect(probe);
            }
            exchange(probe, false, true);
        }
    }

    private void workerWait(int i) {
        workerSeq[i]++;
        Ev e = futexEnter(workers[i], WORKER_FUTEX + 8L * i, Ppm.FUTEX_WAIT | Ppm.FUTEX_PRIVATE_FLAG, workerSeq[i]);
        if (rng.percent(5)) {
            // the condition changed before the thread slept
            exit(workers[i], Ppm.FUTEX_X, -Ppm.EAGAIN);
            workerSeq[i]++;
            e = futexEnter(workers[i], WORKER_FUTEX + 8L * i, Ppm.FUTEX_WAIT | Ppm.FUTEX_PRIVATE_FLAG, workerSeq[i]);
        }
        e.blocking = true;
        workerWaiting[i] = true;
    }

    /** The probe resolves api.internal through systemd-resolved's stub listener on 127.0.0.53:53. */
    private void dnsLookup(SimThread c) {
        if (!resolverInEpoll) {
            Ev e = enter(resolver, Ppm.EPOLLWAIT_E);
            e.size = (int) RESOLVED_MAXEVENTS;
            e.blocking = true;
            resolverInEpoll = true;
        }
        int fd = c.proc.fdAlloc.allocate();
        socket(c, Ppm.AF_INET, Ppm.SOCK_DGRAM | Ppm.SOCK_NONBLOCK | Ppm.SOCK_CLOEXEC, Ppm.IPPROTO_IP, fd);
        int port = ephemeralPort();
        dnsClient.set4(World.LOOPBACK, port, World.RESOLVER_IP, 53);
        dnsServer.set4(World.RESOLVER_IP, 53, World.LOOPBACK, port);
        connect(c, fd, dnsClient, 0);

        int id = rng.nextInt(65536);
        dnsQuery.clear().addU16be(id).addU16be(0x0100).addU16be(1).addU16be(0).addU16be(0).addU16be(0)
                .add(Payloads.DNS_QNAME).addU16be(1).addU16be(1);
        dnsAnswer.clear().addU16be(id).addU16be(0x8180).addU16be(1).addU16be(1).addU16be(0).addU16be(0)
                .add(Payloads.DNS_QNAME).addU16be(1).addU16be(1)
                .addU16be(0xc00c).addU16be(1).addU16be(1).addU16be(0).addU16be(rng.between(5, 30)).addU16be(4)
                .add((char) 127).add((char) 0).add((char) 0).add((char) 1);

        expect.clear().fromRequest("content_key", "api.internal").fromRequest("dns_domain", "api.internal")
                .fromRequest("dns_id", id).fromResponse("dns_rcode", 0);
        RequestLog.Entry client = entry(c.proc.pid, fd, false, "dns", 53);
        RequestLog.Entry server = entry(world.resolved.pid, 12, true, "dns", 53);
        mark(sendtoEnter(c, fd, dnsQuery.n, dnsClient), client, RequestLog.START, 0);
        Ev sx = exit(c, Ppm.SENDTO_X, dnsQuery.n);
        sx.data = dnsQuery.a;
        sx.dataLen = dnsQuery.n;
        mark(sx, client, RequestLog.REQUEST, dnsQuery.n);
        if (rng.percent(40)) {
            // non-blocking receive before the answer is there
            io(c, Ppm.RECVFROM_E, fd, 2048, null, 0, -Ppm.EAGAIN);
        }

        resolverAnswers(server);

        Ev ce = enter(c, Ppm.RECVFROM_E);
        ce.fd = fd;
        ce.size = 2048;
        mark(recvfromExit(c, dnsAnswer.n, dnsAnswer.a, dnsAnswer.n, dnsClient), client,
                RequestLog.RESPONSE | RequestLog.DONE, dnsAnswer.n);
        close(c, fd);
    }

    /** systemd-resolved wakes from epoll, reads the query, sends the answer and waits again. */
    private void resolverAnswers(RequestLog.Entry entry) {
        int s = 12; // the stub listener's UDP socket
        Ev wake = exit(resolver, Ppm.EPOLLWAIT_X, 1);
        wake.delayNs = usec(10, 40);
        Ev re = enter(resolver, Ppm.RECVFROM_E);
        re.fd = s;
        re.size = 4096;
        mark(recvfromExit(resolver, dnsQuery.n, dnsQuery.a, dnsQuery.n, dnsServer), entry,
                RequestLog.START | RequestLog.REQUEST, dnsQuery.n);
        sendtoEnter(resolver, s, dnsAnswer.n, dnsServer);
        Ev rx = exit(resolver, Ppm.SENDTO_X, dnsAnswer.n);
        rx.data = dnsAnswer.a;
        rx.dataLen = dnsAnswer.n;
        mark(rx, entry, RequestLog.RESPONSE | RequestLog.DONE, dnsAnswer.n);
        Ev ew = enter(resolver, Ppm.EPOLLWAIT_E);
        ew.size = (int) RESOLVED_MAXEVENTS;
        ew.blocking = true;
    }

    /** A connection attempt to a port nobody listens on. */
    private void refusedConnect(SimThread c) {
        int fd = c.proc.fdAlloc.allocate();
        socket(c, Ppm.AF_INET, Ppm.SOCK_STREAM | Ppm.SOCK_CLOEXEC, Ppm.IPPROTO_TCP, fd);
        refused.set4(World.LOOPBACK, ephemeralPort(), World.LOOPBACK, 9100);
        Ev e = enter(c, Ppm.CONNECT_E);
        e.fd = fd;
        e.conn = refused;
        Ev x = exit(c, Ppm.CONNECT_X, -Ppm.ECONNREFUSED);
        x.conn = refused;
        if (log != null) {
            RequestLog.Sock sock = new RequestLog.Sock(c.proc.pid);
            sock.fd = fd;
            RequestLog.Entry entry = log.connectEntry(sock, "http", 9100);
            mark(e, entry, RequestLog.START, 0);
            mark(x, entry, RequestLog.CONNECT_FAILED, 0);
        }
        close(c, fd);
    }

    private void exchange(SimThread c, boolean v6, boolean probe) {
        // ---- build request, response and log line
        int status;
        byte[] ua;
        request.clear();
        body.clear();
        if (probe) {
            request.add(Payloads.GET_HEALTH);
            status = 200;
            body.add(HEALTH_BODY).addNum((clock.now - startNs) / 1_000_000_000L + 86_400)
                    .add('}');
            ua = Payloads.UA_PYTHON;
        } else if (!v6) {
            int page = 1 + rng.nextInt(60);
            request.add(Payloads.GET_ITEMS).addNum(page).add(Payloads.HTTP11).add(Payloads.HEY4_HEADERS);
            if (page <= 50) {
                status = 200;
                body.add(PAGE_OPEN).addNum(page).add(ITEMS_OPEN);
                int count = 1 + rng.nextInt(4);
                for (int i = 0; i < count; i++) {
                    if (i > 0) {
                        body.add(',');
                    }
                    int name = rng.nextInt(Payloads.ITEM_NAMES.length);
                    body.add(ITEM_ID).addNum(page * 100L + i).add(ITEM_NAME)
                            .add(Payloads.ITEM_NAME_BYTES[name]).add(ITEM_STOCK)
                            .addNum(rng.nextInt(500)).add('}');
                }
                body.add(ITEMS_CLOSE);
            } else {
                status = 404;
                body.add(Payloads.NOT_FOUND_BODY);
            }
            ua = Payloads.UA_HEY;
        } else {
            request.add(Payloads.POST_ORDERS);
            if (rng.percent(3)) {
                status = 503;
                body.add(Payloads.UNAVAILABLE_BODY);
            } else {
                status = 201;
                orderId += 1 + rng.nextInt(3);
                body.add(ORDER_OPEN).addNum(orderId).add(ORDER_CREATED);
            }
            ua = Payloads.UA_HEY;
        }
        response.clear().add(status == 200 ? Payloads.S200 : status == 201 ? Payloads.S201
                : status == 404 ? Payloads.S404 : Payloads.S503);
        response.add(Payloads.CONTENT_TYPE_JSON).add(clock.httpDate()).add(Payloads.CONTENT_LENGTH).addNum(body.n)
                .add(Payloads.CONNECTION_CLOSE).add(body);
        accessLog.clear().add(v6 ? CLIENT6 : CLIENT4).add(LOG_IDENT)
                .add(clock.clfDate()).add(LOG_REQUEST).add(request.a, 0, request.lineEnd())
                .add(LOG_STATUS).addNum(status).add(' ').addNum(body.n).add(LOG_REFERER)
                .add(ua).add(LOG_END);

        String path = probe ? "/health" : v6 ? "/api/orders" : "/api/items";
        expect.clear().fromRequest("content_key", path).fromRequest("http_method", v6 ? "POST" : "GET")
                .fromRequest("http_url", path).fromResponse("http_status_code", status);
        expect.error = status >= 400;

        // ---- client connects
        int cfd = c.proc.fdAlloc.allocate();
        socket(c, v6 ? Ppm.AF_INET6 : Ppm.AF_INET, Ppm.SOCK_STREAM | Ppm.SOCK_CLOEXEC
                | (probe ? 0 : Ppm.SOCK_NONBLOCK), Ppm.IPPROTO_TCP, cfd);
        int port = ephemeralPort();
        if (v6) {
            clientConn.set6(World.LOOPBACK6, port, World.LOOPBACK6, World.HTTP_PORT);
            serverConn.set6(World.LOOPBACK6, World.HTTP_PORT, World.LOOPBACK6, port);
        } else {
            clientConn.set4(World.LOOPBACK, port, World.LOOPBACK, World.HTTP_PORT);
            serverConn.set4(World.LOOPBACK, World.HTTP_PORT, World.LOOPBACK, port);
        }
        Ev ce = enter(c, Ppm.CONNECT_E);
        ce.fd = cfd;
        ce.conn = clientConn;

        // ---- server wakes up and accepts
        Ev wake = exit(server, Ppm.EPOLLWAIT_X, 1);
        wake.delayNs = usec(5, 30);
        int sfd = server.proc.fdAlloc.allocate();
        enter(server, Ppm.ACCEPT_5_E);
        Ev ax = exit(server, Ppm.ACCEPT_5_X, sfd);
        ax.fd = sfd;
        ax.conn = serverConn;

        // ---- connect returns (non-blocking Go clients see EINPROGRESS)
        Ev cx = exit(c, Ppm.CONNECT_X, probe ? 0 : -Ppm.EINPROGRESS);
        cx.conn = clientConn;

        if (rng.percent(30)) {
            // drain the accept queue until it is empty
            enter(server, Ppm.ACCEPT_5_E);
            Ev again = exit(server, Ppm.ACCEPT_5_X, -Ppm.EAGAIN);
            again.fd = -Ppm.EAGAIN;
        }
        int w = rng.nextInt(workers.length);
        SimThread worker = workers[w];
        futexEnter(server, WORKER_FUTEX + 8L * w, Ppm.FUTEX_WAKE | Ppm.FUTEX_PRIVATE_FLAG, 1);
        exit(server, Ppm.FUTEX_X, 1);
        Ev sw = enter(server, Ppm.EPOLLWAIT_E);
        sw.size = (int) SERVER_MAXEVENTS;
        sw.blocking = true;
        Ev woke = exit(worker, Ppm.FUTEX_X, 0);
        woke.delayNs = usec(2, 20);
        workerWaiting[w] = false;

        int readType = v6 ? Ppm.RECVFROM_E : Ppm.READ_E;
        if (rng.percent(15)) {
            // the worker is faster than the client: nothing to read yet
            Ev r = enter(worker, readType);
            r.fd = sfd;
            r.size = 8192;
            Ev rx = exit(worker, readType + 1, -Ppm.EAGAIN);
            rx.conn = serverConn;
        }

        // ---- client sends the request and waits for the answer
        RequestLog.Entry client = entry(c.proc.pid, cfd, false, "http", World.HTTP_PORT);
        RequestLog.Entry served = entry(server.proc.pid, sfd, true, "http", World.HTTP_PORT);
        Ev sent;
        if (probe) {
            mark(sendtoEnter(c, cfd, request.n, clientConn), client, RequestLog.START, 0);
            sent = exit(c, Ppm.SENDTO_X, request.n);
            sent.data = request.a;
            sent.dataLen = request.n;
        } else {
            Ev we = enter(c, Ppm.WRITE_E);
            we.fd = cfd;
            we.size = request.n;
            mark(we, client, RequestLog.START, 0);
            sent = exit(c, Ppm.WRITE_X, request.n);
            sent.data = request.a;
            sent.dataLen = request.n;
        }
        mark(sent, client, RequestLog.REQUEST, request.n);
        int clientRead = probe ? Ppm.RECVFROM_E : Ppm.READ_E;
        Ev cr = enter(c, clientRead);
        cr.fd = cfd;
        cr.size = probe ? 65536 : 4096;
        cr.blocking = true;

        // ---- worker reads the request, answers, logs and closes
        Ev r = enter(worker, readType);
        r.fd = sfd;
        r.size = 8192;
        Ev rx = exit(worker, readType + 1, request.n);
        rx.data = request.a;
        rx.dataLen = request.n;
        rx.conn = serverConn;
        rx.inbound = true;
        rx.delayNs = usec(3, 15);
        mark(rx, served, RequestLog.START | RequestLog.REQUEST, request.n);
        Ev answered;
        if (v6) {
            Ev se = sendtoEnter(worker, sfd, response.n, serverConn);
            se.delayNs = usec(50, 900); // handler time
            answered = exit(worker, Ppm.SENDTO_X, response.n);
            answered.data = response.a;
            answered.dataLen = response.n;
        } else {
            answered = writeAnswer(worker, sfd, response);
        }
        mark(answered, served, RequestLog.RESPONSE | RequestLog.DONE, response.n);
        io(worker, Ppm.WRITE_E, 1, accessLog.n, accessLog.a, accessLog.n, accessLog.n);

        Ev crx = exit(c, clientRead + 1, response.n);
        crx.data = response.a;
        crx.dataLen = response.n;
        crx.conn = clientConn;
        crx.inbound = true;
        crx.delayNs = usec(5, 30);
        mark(crx, client, RequestLog.RESPONSE | RequestLog.DONE, response.n);

        close(worker, sfd);
        workerWait(w);

        // ---- client sees EOF and closes
        Ev eofE = enter(c, clientRead);
        eofE.fd = cfd;
        eofE.size = probe ? 65536 : 4096;
        Ev eof = exit(c, clientRead + 1, 0);
        eof.conn = clientConn;
        eof.inbound = true;
        close(c, cfd);
    }
}

package io.kindling.probe.converter.request;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.converter.request.spi.Call;
import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.MultiplexedParser;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Requests and their responses on the connections of every process, as {@code net_request} events: it reads the
 * data of socket reads and writes, finds each connection's protocol by content with the registered
 * {@link ProtocolParser}s, cuts each direction into messages, pairs responses with requests and reports each pair
 * (or a request whose response never came, or a connect that failed) with its timings and outcome.
 * <p>
 * State is per connection (process and fd) and bounded: {@link Config#max_connections()} connections (the least
 * recently used evicted beyond), {@link Config#max_waiting()} requests waiting per connection; a connection idle
 * for {@link Config#idle_timeout_s()} is forgotten, a request without a response for
 * {@link Config#no_response_timeout_s()} is reported as {@code NoResponse}. Time is the events' own, so a
 * replay gives what the live capture gave.
 */
@Component(service = Converter.class, configurationPid = RequestConverter.PID)
@ConverterService(name = "request", emits = Outcomes.NAME, needs = RequestConverter.NEEDS,
        snaplen_sockets = RequestConverter.SNAPLEN)
@Designate(ocd = RequestConverter.Config.class)
public final class RequestConverter implements Converter {
    static final String PID = "io.kindling.probe.converter.request";

    /**
     * Bytes of each socket read and write the parsers need (the live capture keeps at least this many of socket I/O
     * while active; files and pipes keep the capture's own snaplen): the
     * heads of HTTP/1.x, SQL, Redis, Kafka and DNS messages fit in 1 KiB, but a write of HTTP/2 frames carries many
     * streams' header blocks (a gRPC client's flush of 40 and more concurrent calls is about 1.7 KiB), each of which
     * the connection's HPACK table must see to stay known.
     */
    static final int SNAPLEN = 4096;

    /**
     * Socket reads and writes, connects and their outcome, closes, and process exits. sendmmsg and recvmmsg have no
     * parameters in libsinsp's event table: the live capture follows each of their exits with a sendmsg (recvmsg)
     * pair per message, which this converter reads as it reads any other; they are asked for only so that it does.
     */
    public static final String NEEDS = "syscall_exit-read:net,syscall_exit-readv:net,syscall_exit-recvfrom:net,syscall_exit-recvmsg:net,"
            + "syscall_exit-recvmmsg:net,syscall_exit-write:net,syscall_exit-writev:net,syscall_exit-sendto:net,"
            + "syscall_exit-sendmsg:net,syscall_exit-sendmmsg:net,"
            + "syscall_exit-sendfile:net,syscall_exit-connect,syscall_exit-getsockopt,syscall_enter-close:net,tracepoint-procexit";

    static final long EINPROGRESS = -115;

    /** Protocols found per process and server port, kept at most. */
    static final int MAX_VERDICTS = 4096;

    @ObjectClassDefinition(name = "Kindling request converter")
    public @interface Config {
        @AttributeDefinition(name = "Connections kept at most", min = "16",
                description = "Connections whose state is kept; beyond it the least recently used one is forgotten (counted as evicted)")
        int max_connections() default 16384;

        @AttributeDefinition(name = "Requests waiting per connection", min = "1",
                description = "Requests of one connection waiting for their responses; beyond it the oldest is reported as NoResponse")
        int max_waiting() default 64;

        @AttributeDefinition(name = "Messages tried before giving up", min = "1",
                description = "Requests of a connection that no protocol parser recognises before the connection is reported as NOSUPPORT")
        int detection_messages() default 4;

        @AttributeDefinition(name = "Report connections of unknown protocols",
                description = "Whether connections that no parser recognises are reported (protocol NOSUPPORT), each turn of talk a request")
        boolean report_unknown() default true;

        @AttributeDefinition(name = "Slow threshold (ms)", min = "0", description = "A request slower than this is slow (is_slow)")
        long slow_threshold_ms() default 500;

        @AttributeDefinition(name = "Slow thresholds per protocol (ms)",
                description = "protocol=milliseconds pairs that override the slow threshold")
        String[] slow_thresholds() default {"mysql=100", "redis=100", "kafka=100", "dns=100"};

        @AttributeDefinition(name = "No response timeout (s)", min = "1",
                description = "A request without a response for this long is reported as NoResponse")
        long no_response_timeout_s() default 120;

        @AttributeDefinition(name = "Response end (ms)", min = "1",
                description = "A response whose length its head does not tell ends at the next request, at the close, or after this much silence")
        long response_end_ms() default 2000;

        @AttributeDefinition(name = "Idle connection timeout (s)", min = "1",
                description = "A connection without reads or writes for this long is forgotten")
        long idle_timeout_s() default 120;

        @AttributeDefinition(name = "Bytes kept of each socket read and write", min = "80", max = "65000",
                description = "How much of the data of each socket read and write a live capture keeps while requests are "
                        + "analysed (raised for sockets only: files and pipes keep the capture's own snaplen); HTTP/2's header "
                        + "tables need the header blocks of every stream a write carries, 1024 is enough for the other protocols")
        int kindling_converter_snaplen_sockets() default SNAPLEN;
    }

    private final int maxConnections;
    private final int maxWaiting;
    private final int detectionMessages;
    private final boolean reportUnknown;
    private final long noResponseNanos;
    private final long responseEndNanos;
    private final long idleNanos;
    private final Outcomes outcomes;

    private volatile ProtocolParser[] parsers = new ProtocolParser[0];
    private final Map<ProtocolParser, Integer> rankings = new HashMap<>();

    private final LinkedHashMap<Long, Connection> connections;
    /** The protocol found per process and server port, so that the next connection skips detection. */
    private final LinkedHashMap<Long, String> verdicts;
    private long nextSweep = Long.MIN_VALUE;
    /** The time of the event being observed. */
    private long clock;
    private EventEmitter emitter = e -> {};

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong noResponse = new AtomicLong();
    private final AtomicLong connectFail = new AtomicLong();
    private final AtomicLong protocolErrors = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong unpaired = new AtomicLong();
    private final AtomicLong unknownConnections = new AtomicLong();
    private final AtomicLong parserFailures = new AtomicLong();
    private final AtomicLong upgrades = new AtomicLong();
    private volatile int size;
    private final RequestSummary summary = new RequestSummary();

    @Activate
    public RequestConverter(Config config) {
        this(config.max_connections(), config.max_waiting(), config.detection_messages(), config.report_unknown(),
                config.slow_threshold_ms(), slowThresholds(config.slow_thresholds()), config.no_response_timeout_s(),
                config.response_end_ms(), config.idle_timeout_s());
    }

    public RequestConverter(int maxConnections, int maxWaiting, int detectionMessages, boolean reportUnknown, long slowMs,
            Map<String, Long> slowMsPerProtocol, long noResponseSeconds, long responseEndMs, long idleSeconds) {
        this.maxConnections = Math.max(16, maxConnections);
        this.maxWaiting = Math.max(1, maxWaiting);
        this.detectionMessages = Math.max(1, detectionMessages);
        this.reportUnknown = reportUnknown;
        Map<String, Long> slow = new HashMap<>();
        slowMsPerProtocol.forEach((p, ms) -> slow.put(p, ms * 1_000_000L));
        this.outcomes = new Outcomes(slowMs * 1_000_000L, slow);
        this.noResponseNanos = noResponseSeconds * 1_000_000_000L;
        this.responseEndNanos = responseEndMs * 1_000_000L;
        this.idleNanos = idleSeconds * 1_000_000_000L;
        this.connections = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Connection> eldest) {
                if (size() > RequestConverter.this.maxConnections) {
                    evicted.incrementAndGet();
                    flush(eldest.getValue(), clock); // its requests still waiting are reported, not lost
                    return true;
                }
                return false;
            }
        };
        this.verdicts = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
                return size() > MAX_VERDICTS;
            }
        };
    }

    /** Kindling's defaults: 500 ms, 100 ms for mysql, redis, kafka and dns. */
    public static RequestConverter withDefaults() {
        return new RequestConverter(16384, 64, 4, true, 500, slowThresholds(new String[] {"mysql=100", "redis=100", "kafka=100", "dns=100"}),
                120, 2000, 120);
    }

    static Map<String, Long> slowThresholds(String[] pairs) {
        Map<String, Long> m = new HashMap<>();
        for (String p : pairs == null ? new String[0] : pairs) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                try {
                    m.put(p.substring(0, eq).trim(), Long.parseLong(p.substring(eq + 1).trim()));
                } catch (NumberFormatException e) {
                    System.getLogger(RequestConverter.class.getName()).log(System.Logger.Level.WARNING,
                            "request converter: slow threshold ignored, not protocol=milliseconds: " + p);
                }
            }
        }
        return m;
    }

    @Reference(service = ProtocolParser.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    public synchronized void addParser(ProtocolParser parser, Map<String, Object> properties) {
        Object r = properties.get("service.ranking");
        rankings.put(parser, r instanceof Integer i ? i : 0);
        List<ProtocolParser> list = new ArrayList<>(List.of(parsers));
        list.add(parser);
        list.sort(Comparator.comparingInt((ProtocolParser p) -> -rankings.getOrDefault(p, 0)));
        parsers = list.toArray(new ProtocolParser[0]);
    }

    public synchronized void removeParser(ProtocolParser parser) {
        rankings.remove(parser);
        List<ProtocolParser> list = new ArrayList<>(List.of(parsers));
        list.remove(parser);
        parsers = list.toArray(new ProtocolParser[0]);
    }

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        // this converter only observes what it needs
    }

    @Override
    public void observe(RawEvent raw, EventEmitter emitter) {
        this.emitter = emitter;
        clock = raw.timestamp();
        String name = raw.name();
        switch (name) {
            case "syscall_exit-connect" -> connectExit(raw);
            case "syscall_exit-getsockopt" -> getsockoptExit(raw);
            case "syscall_enter-close" -> close(raw);
            case "tracepoint-procexit" -> processExit(raw);
            default -> io(raw, name);
        }
        long ts = raw.timestamp();
        if (ts >= nextSweep) {
            sweep(ts);
            nextSweep = ts + 1_000_000_000L;
        }
        size = connections.size();
    }

    // ---- reads and writes

    private void io(RawEvent raw, String name) {
        if (!raw.hasFd() || raw.fdType() != FdType.IPV4_SOCK && raw.fdType() != FdType.IPV6_SOCK) {
            return;
        }
        long res = longParam(raw, "res", 0);
        if (res <= 0) {
            return;
        }
        boolean write = name.startsWith("syscall_exit-write") || name.startsWith("syscall_exit-send");
        byte[] data = name.equals("syscall_exit-sendfile") ? null : bytesParam(raw, "data");
        boolean udp = raw.l4Protocol() == L4Protocol.UDP;
        Connection c = connection(raw, udp);
        c.connecting = false;
        if (udp) {
            datagram(c, raw, data, res, write);
        } else {
            stream(c, raw, data, res, write);
        }
    }

    private Connection connection(RawEvent raw, boolean udp) {
        long key = key(raw.pid(), raw.fdNum());
        Connection c = connections.get(key);
        if (c == null || c.udp != udp) {
            c = new Connection(raw.pid(), raw.fdNum(), udp);
            c.server = !udp && raw.serverRole();
            c.tuple = Tuple.of(raw);
            connections.put(key, c);
        }
        if (c.tuple == null) {
            c.tuple = Tuple.of(raw);
        }
        touch(c, raw);
        return c;
    }

    private static void touch(Connection c, RawEvent raw) {
        if (c.thread == null || c.thread.tid() != raw.tid()) {
            c.thread = new ThreadContext(raw.pid(), raw.tid(), raw.uid(), raw.gid(), raw.comm(), raw.containerId());
        }
        c.source = raw.source();
        c.lastSeen = raw.timestamp();
    }

    private void stream(Connection c, RawEvent raw, byte[] data, long res, boolean write) {
        boolean requestSide = c.server != write;
        if (c.unmatched < 0) {
            return; // no parser knows it, and unknown protocols are not reported
        }
        long ts = raw.timestamp();
        long start = c.server ? ts : ts - Math.max(0, raw.latency());
        long first = ts;
        if (c.stash != null) {
            if (c.stashRequestSide != requestSide && c.parser == null && c.stashRequestSide) {
                unmatched(c); // a few bytes that no parser took, and no more came
            }
            if (c.stashRequestSide != requestSide || data == null) {
                unstash(c); // the rest of the head did not come: the bytes are read as they are
            } else {
                byte[] both = new byte[c.stash.length + data.length];
                System.arraycopy(c.stash, 0, both, 0, c.stash.length);
                System.arraycopy(data, 0, both, c.stash.length, data.length);
                data = both;
                res += c.stash.length;
                start = c.stashStart; // the side's own time: a request's start, a response's first byte
                first = c.stashStart;
            }
            c.stash = null;
        }
        if (!c.unknownProtocol && !(c.parser instanceof MultiplexedParser) && startsMessage(c, requestSide) && data != null && data.length == res && res <= STASH
                && !complete(c, data, res, requestSide)) {
            // a message's first bytes read alone (a length, a packet header), or with the next call's still too
            // few to tell it: its head follows in the next call
            stash(c, data, requestSide, requestSide ? start : first, ts);
            return;
        }
        if (c.parser == null && !c.unknownProtocol) {
            if (!requestSide || !detect(c, data, res)) {
                return;
            }
        }
        if (c.parser != null && !registered(c.parser)) {
            c.parser = null; // its bundle went away: start again
            c.session = null;
            return;
        }
        if (c.parser instanceof MultiplexedParser mp) {
            multiplexed(c, mp, requestSide, data, res, start, ts);
            return;
        }
        if (c.unknownProtocol) {
            turn(c, requestSide, start, ts, res);
        } else if (requestSide) {
            requestBytes(c, data, res, start, ts, true);
        } else {
            responseBytes(c, data, res, first, ts, true);
        }
    }

    private static void stash(Connection c, byte[] bytes, boolean requestSide, long start, long end) {
        c.stash = bytes;
        c.stashRequestSide = requestSide;
        c.stashStart = start;
        c.stashEnd = end;
    }

    /** A message's head that the side's next call did not complete (the other side spoke, or the connection ends). */
    private void unstash(Connection c) {
        byte[] bytes = c.stash;
        c.stash = null;
        if (c.parser == null || c.unknownProtocol || c.parser instanceof MultiplexedParser) {
            return;
        }
        if (c.stashRequestSide) {
            requestBytes(c, bytes, bytes.length, c.stashStart, c.stashEnd, false);
        } else {
            responseBytes(c, bytes, bytes.length, c.stashStart, c.stashEnd, false);
        }
    }

    /**
     * Whether the message read at the end of a call had its head cut by the call: the parser read beyond the call's
     * bytes, all of which the capture kept, and the message goes on. Its bytes wait for the side's next call.
     */
    private static boolean headCut(Payload p, Message m, long avail) {
        return p.readBeyond() && p.captured() == avail && avail <= HEAD_STASH && m.length() > avail;
    }

    /**
     * A response that switches the connection's protocol ({@code 101} to {@code h2c}): the multiplexed parser that
     * takes the token gets the connection, with the request that asked for it as its first call (not reported here).
     * False when no parser takes it: the response is reported as it is.
     */
    private boolean upgrade(Connection c, Exchange x, String token) {
        for (ProtocolParser parser : parsers) {
            if (parser instanceof MultiplexedParser mp) {
                MultiplexedParser.Session session;
                try {
                    session = mp.upgrade(token, c.server, x.request, x.requestStart, x.requestEnd, x.requestBytes);
                } catch (RuntimeException e) {
                    parserFailures.incrementAndGet();
                    continue;
                }
                if (session != null) {
                    for (Exchange waiting : c.waiting) {
                        if (waiting != x) {
                            unanswered(c, waiting, x.responseEnd); // nothing else is answered in HTTP/1.x now
                        }
                    }
                    c.waiting.clear();
                    c.sending = null;
                    c.sendingRemaining = 0;
                    c.receiving = null;
                    c.receivingRemaining = 0;
                    c.parser = mp;
                    c.session = session;
                    upgrades.incrementAndGet();
                    return true;
                }
            }
        }
        return false;
    }

    /** A multiplexed protocol's bytes go to the connection's session, which reports the calls it completes. */
    private void multiplexed(Connection c, MultiplexedParser parser, boolean requestSide, byte[] data, long res, long start, long end) {
        try {
            if (c.session == null) {
                c.session = parser.open(c.server);
            }
            byte[] bytes = data == null ? new byte[0] : data;
            c.session.bytes(requestSide, new Payload(bytes, 0, bytes.length, res, false), start, end, call -> report(c, call));
        } catch (RuntimeException e) {
            parserFailures.incrementAndGet();
            c.session = null; // its state is lost; a new session finds its way back
        }
    }

    private void report(Connection c, Call call) {
        Exchange x = new Exchange(call.request(), call.requestStart(), call.requestEnd());
        x.tuple = c.tuple;
        x.requestBytes = call.requestBytes();
        x.responseBytes = call.responseBytes();
        x.responseFirst = call.responseFirst();
        x.responseEnd = call.responseEnd();
        x.response = call.response();
        if (x.response == null) {
            unanswered(c, x, call.responseEnd());
        } else {
            finish(c, x);
        }
    }

    /** Bytes read or written alone at a message's start that are kept for the next call, at most. */
    static final int STASH = 16;

    /** Bytes of a message whose head a call cut that are kept for the side's next call, at most. */
    static final int HEAD_STASH = 512;

    private static boolean startsMessage(Connection c, boolean requestSide) {
        return requestSide ? c.sending == null || c.sendingRemaining == 0
                : (c.receiving == null || c.receivingRemaining == 0) && c.interimRemaining == 0;
    }

    /** Whether these few bytes hold a whole message for the connection's parser (or, undetected, for any parser). */
    private boolean complete(Connection c, byte[] data, long res, boolean requestSide) {
        Payload p = new Payload(data, 0, data.length, res, false, c.parserState);
        if (c.parser == null) {
            if (!requestSide) {
                return true; // not looked at before detection
            }
            for (ProtocolParser parser : parsers) {
                Message m = safeRequest(parser, p);
                if (m != null && m.length() > 0 && m.length() <= res) {
                    return true;
                }
            }
            return false;
        }
        Message m;
        if (requestSide) {
            m = safeRequest(c.parser, p);
        } else {
            long id = safeResponseId(c.parser, p);
            Exchange x = id >= 0 ? byId(c, id) : c.waiting.peekFirst();
            if (x == null) {
                return id >= 0 ? false : true;
            }
            m = safeResponse(c.parser, p, x.request);
        }
        return m != null && m.length() > 0 && m.length() <= res;
    }

    /** Finds the connection's protocol from a request: the verdict for its process and port first, then every parser. */
    private boolean detect(Connection c, byte[] data, long res) {
        if (data == null || data.length == 0) {
            return false;
        }
        Payload p = new Payload(data, 0, data.length, res, false, c.parserState);
        String known = c.tuple == null ? null : verdicts.get(key(c.pid, c.tuple.dport()));
        ProtocolParser[] all = parsers;
        if (known != null) {
            for (ProtocolParser parser : all) {
                if (parser.protocol().equals(known) && safeRequest(parser, p) != null) {
                    c.parser = parser;
                    return true;
                }
            }
        }
        for (ProtocolParser parser : all) {
            if (safeRequest(parser, p) != null) {
                c.parser = parser;
                if (c.tuple != null) {
                    verdicts.put(key(c.pid, c.tuple.dport()), parser.protocol());
                }
                return true;
            }
        }
        unmatched(c);
        return false;
    }

    private void unmatched(Connection c) {
        if (++c.unmatched >= detectionMessages) {
            c.unknownProtocol = true;
            unknownConnections.incrementAndGet();
            if (!reportUnknown) {
                c.unknownProtocol = false;
                c.unmatched = Integer.MIN_VALUE; // never tried again, never reported
            }
        }
    }

    private boolean registered(ProtocolParser parser) {
        for (ProtocolParser p : parsers) {
            if (p == parser) {
                return true;
            }
        }
        return false;
    }

    /** Bytes of requests: the rest of the request being sent, then the heads of the next ones. */
    private void requestBytes(Connection c, byte[] data, long res, long start, long end, boolean mayStash) {
        if (c.receiving != null && c.receivingRemaining < 0) {
            finish(c, c.receiving); // a response of unknown length ends when the next request begins
            c.receiving = null;
            c.receivingRemaining = 0;
        }
        int captured = data == null ? 0 : data.length;
        long avail = res;
        long off = 0;
        while (avail > 0) {
            if (c.sending != null && c.sendingRemaining != 0) {
                Exchange x = c.sending;
                x.requestEnd = end;
                long n = c.sendingRemaining < 0 ? avail : Math.min(avail, c.sendingRemaining);
                x.requestBytes += n;
                off += n;
                avail -= n;
                if (c.sendingRemaining > 0 && (c.sendingRemaining -= n) == 0) {
                    c.sending = null;
                }
                continue;
            }
            Exchange last = c.waiting.peekLast();
            if (off >= captured) {
                if (last != null) {
                    last.requestBytes += avail; // bytes beyond what the capture kept
                }
                return;
            }
            Payload p = new Payload(data, (int) off, captured - (int) off, avail, false, c.parserState);
            Message m = safeRequest(c.parser, p);
            if (m != null && mayStash && headCut(p, m, avail)) {
                stash(c, java.util.Arrays.copyOfRange(data, (int) off, captured), true, start, end);
                return;
            }
            if (m == null) {
                c.unmatched++;
                if (last != null) {
                    last.requestBytes += avail;
                }
                return;
            }
            long len = m.length();
            if (m.isContinuation()) {
                long n = len < 0 ? avail : Math.min(avail, len);
                off += n;
                avail -= n;
                if (last != null) {
                    last.requestBytes += n;
                    last.requestEnd = end;
                    if (len < 0 || len > n) {
                        c.sending = last;
                        c.sendingRemaining = len < 0 ? -1 : len - n;
                    }
                }
                continue;
            }
            if (m.isOneWay()) {
                off += len < 0 ? avail : Math.min(avail, len);
                avail -= len < 0 ? avail : Math.min(avail, len);
                continue;
            }
            Exchange x = new Exchange(m, start, end);
            x.tuple = c.tuple;
            wait(c, x, end);
            long n = len < 0 ? avail : Math.min(avail, len);
            x.requestBytes = n;
            off += n;
            avail -= n;
            if (len < 0 || len > n) {
                c.sending = x;
                c.sendingRemaining = len < 0 ? -1 : len - n;
            }
        }
    }

    /** Bytes of responses: the rest of the response being received, then the heads of the next ones. */
    private void responseBytes(Connection c, byte[] data, long res, long first, long end, boolean mayStash) {
        if (c.sending != null && c.sendingRemaining < 0) {
            c.sending = null; // a request of unknown length ends when the response begins
            c.sendingRemaining = 0;
        }
        int captured = data == null ? 0 : data.length;
        long avail = res;
        long off = 0;
        while (avail > 0) {
            if (c.interimRemaining > 0) {
                long n = Math.min(avail, c.interimRemaining);
                c.interimRemaining -= n;
                off += n;
                avail -= n;
                continue;
            }
            if (c.receiving != null && c.receivingRemaining != 0) {
                Exchange x = c.receiving;
                x.responseEnd = end;
                long n = c.receivingRemaining < 0 ? avail : Math.min(avail, c.receivingRemaining);
                x.responseBytes += n;
                off += n;
                avail -= n;
                if (c.receivingRemaining > 0 && (c.receivingRemaining -= n) == 0) {
                    finish(c, x);
                    c.receiving = null;
                }
                continue;
            }
            if (off >= captured) {
                return; // bytes beyond what the capture kept, of no known response
            }
            Payload p = new Payload(data, (int) off, captured - (int) off, avail, false, c.parserState);
            long id = safeResponseId(c.parser, p);
            Exchange x = id >= 0 ? byId(c, id) : c.waiting.peekFirst();
            if (x == null) {
                unpaired.incrementAndGet();
                return;
            }
            Message m = safeResponse(c.parser, p, x.request);
            if (m != null && mayStash && headCut(p, m, avail)) {
                stash(c, java.util.Arrays.copyOfRange(data, (int) off, captured), false, first, end);
                return;
            }
            if (m != null && m.isInterim()) {
                long len = m.length();
                long n = len < 0 ? avail : Math.min(avail, len);
                c.interimRemaining = len < 0 ? 0 : len - n;
                off += n;
                avail -= n;
                continue;
            }
            c.waiting.remove(x);
            if (c.sending == x) {
                c.sending = null; // answered before all of it was seen
                c.sendingRemaining = 0;
            }
            x.responseFirst = first;
            x.responseEnd = end;
            if (m == null) {
                x.unreadable = true;
                x.responseBytes = avail;
                finish(c, x);
                return;
            }
            x.response = m;
            long len = m.length();
            long n = len < 0 ? avail : Math.min(avail, len);
            x.responseBytes = n;
            off += n;
            avail -= n;
            if (m.upgrade() != null && len >= 0 && len <= n && upgrade(c, x, m.upgrade())) {
                // the rest of this read is the new protocol's
                if (avail > 0) {
                    byte[] rest = off < captured ? java.util.Arrays.copyOfRange(data, (int) off, captured) : new byte[0];
                    multiplexed(c, (MultiplexedParser) c.parser, false, rest, avail, first, end);
                }
                return;
            }
            if (len < 0 || len > n) {
                c.receiving = x;
                c.receivingRemaining = len < 0 ? -1 : len - n;
            } else {
                finish(c, x);
            }
        }
    }

    /** A connection of unknown protocol: each turn of one side a request, the other side's next turn its response. */
    private void turn(Connection c, boolean requestSide, long start, long end, long res) {
        if (requestSide) {
            if (c.receiving != null) {
                finish(c, c.receiving);
                c.receiving = null;
            }
            if (c.sending == null) {
                c.sending = new Exchange(new Message(), start, end);
                c.sending.tuple = c.tuple;
            }
            c.sending.requestBytes += res;
            c.sending.requestEnd = end;
        } else {
            if (c.sending != null) {
                c.receiving = c.sending;
                c.sending = null;
                c.receiving.response = new Message();
                c.receiving.responseFirst = end;
            }
            if (c.receiving != null) {
                c.receiving.responseBytes += res;
                c.receiving.responseEnd = end;
            }
        }
    }

    private void datagram(Connection c, RawEvent raw, byte[] data, long res, boolean write) {
        if (data == null || data.length == 0 || c.unmatched < 0) {
            return;
        }
        Payload p = new Payload(data, 0, data.length, res, true);
        Tuple peer = Tuple.parse(bytesParam(raw, "tuple"));
        long ts = raw.timestamp();
        ProtocolParser[] candidates = c.parser != null ? new ProtocolParser[] {c.parser} : parsers;
        for (ProtocolParser parser : candidates) {
            if (!parser.datagrams()) {
                continue;
            }
            Message m = safeRequest(parser, p);
            if (m != null) {
                c.parser = parser;
                c.server = !write;
                Exchange x = new Exchange(m, write ? ts - Math.max(0, raw.latency()) : ts, ts);
                x.requestBytes = res;
                x.tuple = peer != null ? peer : c.tuple;
                wait(c, x, ts);
                return;
            }
            long id = safeResponseId(parser, p);
            // a send's exit has no tuple: libsinsp has set the socket's addresses from its enter's tuple (or, when
            // the peer changed since the socket's last datagram, to the local address at both ends: then no
            // waiting query's peer matches)
            Exchange x = id < 0 || c.parser == null ? null : byId(c, id, parser, p, peer != null ? peer : Tuple.of(raw));
            if (x != null) {
                c.waiting.remove(x);
                x.responseFirst = ts;
                x.responseEnd = ts;
                x.responseBytes = res;
                Message r = safeResponse(parser, p, x.request);
                x.response = r;
                x.unreadable = r == null;
                finish(c, x);
                return;
            }
        }
        if (c.parser == null && ++c.unmatched >= detectionMessages) {
            c.unmatched = Integer.MIN_VALUE; // a datagram protocol no parser knows: never tried again
        }
    }

    /** Queues a request for its response; beyond the bound the oldest waiting one is reported as unanswered. */
    private void wait(Connection c, Exchange x, long at) {
        if (c.waiting.size() >= maxWaiting) {
            Exchange old = c.waiting.pollFirst();
            if (c.sending == old) {
                c.sending = null;
                c.sendingRemaining = 0;
            }
            unanswered(c, old, at);
        }
        c.waiting.addLast(x);
    }

    private static Exchange byId(Connection c, long id) {
        for (Exchange x : c.waiting) {
            if (x.request.id() == id) {
                return x;
            }
        }
        return null;
    }

    /**
     * The request a response of this id answers. Of the requests waiting with its id (a server's socket reads many
     * clients' datagrams, whose ids may be the same), those of the response's peer come first, when the datagrams
     * name their addresses; of those, the first the parser says it answers, else the first.
     */
    private Exchange byId(Connection c, long id, ProtocolParser parser, Payload p, Tuple peer) {
        Exchange best = null;
        int bestRank = -1;
        for (Exchange x : c.waiting) {
            if (x.request.id() != id) {
                continue;
            }
            int rank = (peer != null && peer.sameEnds(x.tuple) ? 2 : 0) + (safeAnswers(parser, p, x.request) ? 1 : 0);
            if (rank > bestRank) {
                best = x;
                bestRank = rank;
                if (rank == 3) {
                    break;
                }
            }
        }
        return best;
    }

    // ---- connects, closes, exits, timeouts

    private void connectExit(RawEvent raw) {
        long res = longParam(raw, "res", 0);
        long fd = raw.fdNum();
        if (fd < 0 || raw.hasFd() && raw.fdType() != FdType.IPV4_SOCK && raw.fdType() != FdType.IPV6_SOCK
                || raw.l4Protocol() == L4Protocol.UDP) {
            return;
        }
        Tuple t = Tuple.parse(bytesParam(raw, "tuple"));
        if (t == null) {
            t = Tuple.of(raw);
        }
        if (t == null) {
            return;
        }
        long key = key(raw.pid(), fd);
        if (res == 0 || res == EINPROGRESS) {
            Connection c = new Connection(raw.pid(), fd, false);
            c.tuple = t;
            touch(c, raw);
            c.connecting = res == EINPROGRESS;
            c.connectStart = raw.timestamp() - Math.max(0, raw.latency());
            connections.put(key, c);
        } else if (res < 0 && res != -114 && res != -106) { // EALREADY, EISCONN: a further connect of a pending one
            connections.remove(key);
            connectFailed(raw, fd, t, raw.latency());
        }
    }

    private void getsockoptExit(RawEvent raw) {
        Connection c = connections.get(key(raw.pid(), raw.fdNum()));
        if (c == null || !c.connecting || longParam(raw, "level", -1) != 1 || longParam(raw, "optname", -1) != 4) {
            return; // only SOL_SOCKET / SO_ERROR tells a connect's outcome
        }
        byte[] val = bytesParam(raw, "val");
        if (val == null || val.length < 9 || val[0] != 1) {
            return;
        }
        long err = java.nio.ByteBuffer.wrap(val, 1, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        c.connecting = false;
        if (err != 0) {
            connections.remove(key(c.pid, c.fd));
            connectFailed(raw, c.fd, c.tuple, raw.timestamp() - c.connectStart);
        }
    }

    private void connectFailed(RawEvent raw, long fd, Tuple t, long latency) {
        connectFail.incrementAndGet();
        String protocol = verdicts.getOrDefault(key(raw.pid(), t.dport()), "NOSUPPORT");
        ThreadContext thread = new ThreadContext(raw.pid(), raw.tid(), raw.uid(), raw.gid(), raw.comm(), raw.containerId());
        emit(outcomes.connectFailed(fd, t.v6(), t, thread, raw.source(), raw.timestamp(), Math.max(0, latency), protocol));
    }

    private void close(RawEvent raw) {
        long fd = longParam(raw, "fd", raw.fdNum());
        Connection c = connections.remove(key(raw.pid(), fd));
        if (c != null && c.connecting) {
            // a non-blocking connect closed before any data moved: it failed (where getsockopt is not seen) or
            // was given up, as Kindling counts a connect without a request
            connectFailed(raw, c.fd, c.tuple, raw.timestamp() - c.connectStart);
        } else if (c != null) {
            flush(c, raw.timestamp());
        }
    }

    private void processExit(RawEvent raw) {
        if (raw.tid() != raw.pid()) {
            return;
        }
        Iterator<Connection> it = connections.values().iterator();
        while (it.hasNext()) {
            Connection c = it.next();
            if (c.pid == raw.pid()) {
                it.remove();
                flush(c, raw.timestamp());
            }
        }
    }

    /** Reports all a connection holds: its response in progress, and its requests that got none. */
    private void flush(Connection c, long at) {
        if (c.stash != null) {
            unstash(c);
        }
        if (c.session != null) {
            MultiplexedParser.Session session = c.session;
            c.session = null;
            try {
                session.close(at, call -> report(c, call));
            } catch (RuntimeException e) {
                parserFailures.incrementAndGet();
            }
        }
        if (c.receiving != null) {
            finish(c, c.receiving);
            c.receiving = null;
        }
        if (c.unknownProtocol && c.sending != null) {
            unanswered(c, c.sending, at);
        }
        c.sending = null;
        for (Exchange x : c.waiting) {
            unanswered(c, x, at);
        }
        c.waiting.clear();
    }

    private void sweep(long now) {
        Iterator<Connection> it = connections.values().iterator();
        while (it.hasNext()) {
            Connection c = it.next();
            long idle = now - c.lastSeen;
            if (idle >= idleNanos) {
                it.remove();
                flush(c, now);
                continue;
            }
            if (c.receiving != null && c.receivingRemaining < 0 && idle >= responseEndNanos) {
                finish(c, c.receiving);
                c.receiving = null;
                c.receivingRemaining = 0;
            }
            if (c.unknownProtocol && c.sending != null && now - c.sending.requestEnd >= noResponseNanos) {
                unanswered(c, c.sending, now);
                c.sending = null;
            }
            if (c.session != null) {
                try {
                    c.session.expire(now - noResponseNanos, now, call -> report(c, call));
                } catch (RuntimeException e) {
                    parserFailures.incrementAndGet();
                }
            }
            while (!c.waiting.isEmpty() && now - c.waiting.peekFirst().requestEnd >= noResponseNanos) {
                Exchange x = c.waiting.pollFirst();
                if (c.sending == x) {
                    c.sending = null;
                    c.sendingRemaining = 0;
                }
                unanswered(c, x, now);
            }
        }
    }

    @Override
    public void end(EventEmitter emitter) {
        this.emitter = emitter;
        for (Connection c : connections.values()) {
            flush(c, c.lastSeen);
        }
        connections.clear();
        verdicts.clear();
        nextSweep = Long.MIN_VALUE;
        size = 0;
        this.emitter = e -> {};
    }

    @Override
    public void activeChanged(boolean active) {
        if (active) {
            summary.clear();
        }
    }

    RequestSummary summary() {
        return summary;
    }

    /** Process and port verdicts kept (at most {@value #MAX_VERDICTS}). */
    int verdicts() {
        return verdicts.size();
    }

    @Override
    public Map<String, Long> statistics() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("connections", (long) size);
        m.put("requests", requests.get());
        m.put("no_response", noResponse.get());
        m.put("connect_fail", connectFail.get());
        m.put("protocol_errors", protocolErrors.get());
        m.put("unpaired_responses", unpaired.get());
        m.put("unknown_protocol_connections", unknownConnections.get());
        m.put("evicted", evicted.get());
        m.put("parser_failures", parserFailures.get());
        m.put("protocol_upgrades", upgrades.get());
        for (ProtocolParser p : parsers) {
            if (p instanceof MultiplexedParser mp) {
                m.putAll(mp.statistics());
            }
        }
        m.putAll(summary.figures());
        return m;
    }

    // ---- reporting

    private void finish(Connection c, Exchange x) {
        requests.incrementAndGet();
        if (x.unreadable) {
            protocolErrors.incrementAndGet();
        }
        emit(outcomes.answered(c, x));
    }

    private void unanswered(Connection c, Exchange x, long at) {
        if (x.response != null) {
            finish(c, x);
            return;
        }
        requests.incrementAndGet();
        noResponse.incrementAndGet();
        emit(outcomes.unanswered(c, x, at));
    }

    /** Hands the request on, then counts it in the summary with its side's container, which the emitter's enrichment put on it. */
    private void emit(KindlingEvent e) {
        emitter.emit(e);
        summary.add(String.valueOf(e.attribute("protocol").value()), String.valueOf(e.attribute("content_key").value()),
                Boolean.TRUE.equals(e.attribute("is_error").value()), e.latency(), Boolean.TRUE.equals(e.attribute("is_server").value()),
                RequestSummary.containerName(e.container(), e.thread() == null ? null : e.thread().containerId()));
    }

    // ---- parsers, guarded: a parser that throws loses its message, never the event loop

    private Message safeRequest(ProtocolParser parser, Payload p) {
        try {
            return parser.request(p);
        } catch (RuntimeException e) {
            parserFailures.incrementAndGet();
            return null;
        }
    }

    private long safeResponseId(ProtocolParser parser, Payload p) {
        try {
            return parser.responseId(p);
        } catch (RuntimeException e) {
            parserFailures.incrementAndGet();
            return -1;
        }
    }

    private boolean safeAnswers(ProtocolParser parser, Payload p, Message request) {
        try {
            return parser.answers(p, request);
        } catch (RuntimeException e) {
            parserFailures.incrementAndGet();
            return true;
        }
    }

    private Message safeResponse(ProtocolParser parser, Payload p, Message request) {
        try {
            return parser.response(p, request);
        } catch (RuntimeException e) {
            parserFailures.incrementAndGet();
            return null;
        }
    }

    // ---- raw events

    private static long key(long pid, long fd) {
        return pid << 32 ^ (fd & 0xffffffffL);
    }

    static long longParam(RawEvent raw, String name, long fallback) {
        return raw.paramLong(name, fallback);
    }

    static byte[] bytesParam(RawEvent raw, String name) {
        return raw.paramBytesOf(name);
    }
}

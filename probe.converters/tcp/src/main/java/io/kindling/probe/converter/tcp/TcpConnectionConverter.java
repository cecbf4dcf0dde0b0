package io.kindling.probe.converter.tcp;

import static io.kindling.probe.converter.tcp.RawParams.bytesParam;
import static io.kindling.probe.converter.tcp.RawParams.fdTuple;
import static io.kindling.probe.converter.tcp.RawParams.longParam;
import static io.kindling.probe.converter.tcp.RawParams.tuple;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * TCP connections as the system calls show them, for IPv4 and IPv6 sockets:
 * <ul>
 * <li>{@code conn_connect} at the exit of {@code connect}: {@code result} (0 or the negative errno) and
 * {@code latency}. A non-blocking connect ({@code EINPROGRESS}) is followed to its outcome: the first
 * successful read or write on the socket, a {@code getsockopt(SO_ERROR)} or a further {@code connect}
 * that reports it; the latency then runs from the first connect to that event. Closed, or still
 * pending at the end of the capture, it is reported with result {@code -115} (EINPROGRESS).</li>
 * <li>{@code conn_accept} at the exit of {@code accept} and {@code accept4}, with the {@code latency} of the call.</li>
 * <li>{@code conn_close} when the socket is closed, when {@code dup2} or {@code dup3} puts another file on its fd
 * (which closes it in the kernel: the JDK ends a socket that another thread blocks on that way), or when its
 * process exits: {@code bytes_sent} and
 * {@code bytes_received} (the sums of the results of the writes and reads on the socket),
 * {@code writes} and {@code reads} (how many), {@code lifetime} (when the capture showed the opening)
 * and {@code side}, {@code client} or {@code server}; live, joined with the kernel's close of the same
 * connection, also {@code rtt}, {@code retransmits} and {@code reset} ({@link KernelJoin}). A failed
 * connect has no close.</li>
 * </ul>
 * The names are the probe's own: no event of Kindling's (its kernel TCP events arrive as {@code tcp_connect},
 * {@code tcp_close}, ...) and none of libsinsp's has them, so that a consumer never takes one for the other.
 * <p>
 * A dual-stack client socket (IPv6, connected to an IPv4-mapped address, the JDK's default) is known as TCP
 * from its {@code socket} call, since libsinsp loses its protocol ({@link StreamSockets}).
 * <p>
 * Each event carries the thread that made the call and the tuple in its fd context (client to server).
 * What is known of open connections is bounded ({@link Config#max_connections()}); the oldest used
 * connection is evicted when a new one would exceed it, and counted ({@code evicted} in the statistics).
 */
@Component(service = Converter.class, configurationPid = TcpConnectionConverter.PID)
@ConverterService(name = "tcp", emits = TcpConnectionConverter.EMITS, needs = TcpConnectionConverter.NEEDS)
@Designate(ocd = TcpConnectionConverter.Config.class)
public final class TcpConnectionConverter implements Converter {
    static final String PID = "io.kindling.probe.converter.tcp";

    public static final String EMITS = "conn_connect,conn_accept,conn_close";

    private static final java.util.Set<String> READS = java.util.Set.of("read", "readv", "recvfrom", "recvmsg", "pread", "preadv");
    private static final java.util.Set<String> WRITES = java.util.Set.of("write", "writev", "sendto", "sendmsg", "pwrite",
            "pwritev", "sendfile");

    /**
     * What the converter reads: sockets created, connects, accepts, closes, dups (dup2 and dup3 are libsinsp's
     * {@code dup}), socket reads and writes, process exits, and the kernel's TCP events.
     */
    public static final String NEEDS = "syscall_exit-connect,syscall_exit-accept,syscall_exit-getsockopt,"
            + "syscall_enter-close:net,syscall_enter-socket,syscall_exit-socket,syscall_enter-dup,syscall_exit-dup,"
            + "syscall_exit-read:net,syscall_exit-readv:net,syscall_exit-recvfrom:net,syscall_exit-recvmsg:net,"
            + "syscall_exit-pread:net,syscall_exit-preadv:net,"
            + "syscall_exit-write:net,syscall_exit-writev:net,syscall_exit-sendto:net,syscall_exit-sendmsg:net,"
            + "syscall_exit-pwrite:net,syscall_exit-pwritev:net,syscall_exit-sendfile:net,"
            + "tracepoint-procexit,"
            + "kprobe-tcp_close,tracepoint-tcp_send_reset,tracepoint-tcp_receive_reset,tracepoint-inet_sock_set_state";

    static final long EINPROGRESS = -115;
    static final long EALREADY = -114;
    static final long EISCONN = -106;

    @ObjectClassDefinition(name = "Kindling TCP converter")
    public @interface Config {
        @AttributeDefinition(name = "Connections kept at most", min = "16",
                description = "Open connections whose state is kept; beyond it the least recently used one is evicted")
        int max_connections() default 65536;
    }

    private final ConnectionTable connections;
    private final StreamSockets streams;
    private final KernelJoin kernel;
    /** The old fd of each thread's dup call in progress (libsinsp's exit names only the new one). */
    private final Map<Long, Long> dupEnters = new java.util.HashMap<>();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong accepts = new AtomicLong();
    private final AtomicLong closes = new AtomicLong();
    private volatile int size;

    @Activate
    public TcpConnectionConverter(Config config) {
        this(config.max_connections());
    }

    public TcpConnectionConverter(int maxConnections) {
        this.connections = new ConnectionTable(maxConnections);
        this.streams = new StreamSockets(maxConnections);
        this.kernel = new KernelJoin(Math.max(1, maxConnections));
    }

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        // this converter only observes what it needs
    }

    @Override
    public void observe(RawEvent raw, EventEmitter emitter) {
        if (kernel.observe(raw, emitter)) {
            return;
        }
        String name = raw.name();
        switch (name) {
            case "syscall_exit-connect" -> connectExit(raw, emitter);
            case "syscall_exit-accept" -> acceptExit(raw, emitter);
            case "syscall_exit-getsockopt" -> getsockoptExit(raw, emitter);
            case "syscall_enter-close" -> close(raw, emitter);
            case "syscall_enter-dup" -> {
                if (dupEnters.size() >= 4096) {
                    dupEnters.clear(); // threads that ended inside the call
                }
                dupEnters.put(raw.tid(), longParam(raw, "fd", -1));
            }
            case "syscall_exit-dup" -> dupExit(raw, emitter);
            case "syscall_enter-socket" -> streams.enter(raw);
            case "syscall_exit-socket" -> streams.exit(raw);
            case "tracepoint-procexit" -> processExit(raw, emitter);
            default -> {
                if (name.startsWith("syscall_exit-")) {
                    io(raw, name.substring("syscall_exit-".length()), emitter);
                }
            }
        }
        size = connections.size();
    }

    // ---- handlers

    private void connectExit(RawEvent raw, EventEmitter emitter) {
        long res = longParam(raw, "res", 0);
        long fd = raw.fdNum();
        Connection known = connections.get(raw.pid(), fd);
        if (known != null && known.pending) {
            // a further connect on a socket whose non-blocking connect is in progress
            if (res == 0 || res == EISCONN) {
                established(known, raw, emitter);
            } else if (res != EALREADY && res != EINPROGRESS) {
                failed(known, raw, res, emitter);
            }
            return;
        }
        Tuples.Tuple tuple = tuple(raw);
        if (tuple == null || !isTcp(raw, fd)) {
            return;
        }
        long enter = raw.timestamp() - raw.latency();
        Connection c = new Connection(raw.pid(), fd, tuple, false, Connection.Opened.CONNECT);
        c.start = enter;
        if (res == EINPROGRESS) {
            c.pending = true;
            connections.put(c);
            return;
        }
        connects.incrementAndGet();
        emitter.emit(connectEvent(c, raw, res, raw.latency()));
        c.failed = res != 0; // a failed one is remembered so that its close is not taken for a connection's
        connections.put(c);
    }

    private void acceptExit(RawEvent raw, EventEmitter emitter) {
        long fd = longParam(raw, "fd", -1);
        if (fd < 0) {
            return;
        }
        Tuples.Tuple tuple = Tuples.parse(bytesParam(raw, "tuple"));
        if (tuple == null) {
            return; // a unix socket
        }
        if (raw.hasFd() && raw.fdNum() == fd && raw.fdType().isInetSocket() && raw.l4Protocol() != L4Protocol.TCP
                && raw.l4Protocol() != L4Protocol.UNKNOWN) {
            return;
        }
        Connection c = new Connection(raw.pid(), fd, tuple, true, Connection.Opened.ACCEPT);
        c.start = raw.timestamp();
        connections.put(c);
        accepts.incrementAndGet();
        KindlingEvent e = event("conn_accept", c, raw, raw.latency());
        e.addAttribute(Attribute.ofLong("latency", ValueType.UINT64, raw.latency()));
        e.addAttribute(Attribute.ofString("side", "server"));
        emitter.emit(e);
    }

    private void getsockoptExit(RawEvent raw, EventEmitter emitter) {
        long fd = longParam(raw, "fd", raw.fdNum());
        Connection c = connections.get(raw.pid(), fd);
        if (c == null || !c.pending || longParam(raw, "level", -1) != 1 || longParam(raw, "optname", -1) != 4) {
            return; // only SOL_SOCKET / SO_ERROR tells a connect's outcome
        }
        byte[] val = bytesParam(raw, "val");
        if (val == null || val.length < 9 || val[0] != 1) {
            return; // PPM_SOCKOPT_IDX_ERRNO, then the value
        }
        long err = java.nio.ByteBuffer.wrap(val, 1, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        if (err == 0) {
            established(c, raw, emitter);
        } else {
            failed(c, raw, -Math.abs(err), emitter);
        }
    }

    private void io(RawEvent raw, String syscall, EventEmitter emitter) {
        long res = longParam(raw, "res", 0);
        if (res <= 0) {
            return;
        }
        boolean read = READS.contains(syscall);
        if (!read && !WRITES.contains(syscall)) {
            return;
        }
        Connection c = connections.get(raw.pid(), raw.fdNum());
        if (c == null) {
            Tuples.Tuple tuple = fdTuple(raw);
            if (tuple == null || !isTcp(raw, raw.fdNum())) {
                return;
            }
            c = new Connection(raw.pid(), raw.fdNum(), tuple, raw.serverRole(), Connection.Opened.UNKNOWN);
            connections.put(c);
        }
        if (c.failed) {
            return;
        }
        if (c.pending) {
            established(c, raw, emitter);
        }
        if (read) {
            c.reads++;
            c.bytesReceived += res;
        } else {
            c.writes++;
            c.bytesSent += res;
        }
    }

    private void close(RawEvent raw, EventEmitter emitter) {
        long fd = longParam(raw, "fd", raw.fdNum());
        streams.forget(raw.pid(), fd);
        Connection c = connections.remove(raw.pid(), fd);
        if (c != null && --c.fds > 0) {
            return; // a copy of the fd closed: the socket stays open
        }
        if (c == null) {
            Tuples.Tuple tuple = fdTuple(raw);
            if (tuple == null || !RawParams.isTcp(raw) || raw.fdNum() != fd) {
                return;
            }
            c = new Connection(raw.pid(), fd, tuple, raw.serverRole(), Connection.Opened.UNKNOWN);
        }
        closed(c, raw, emitter);
    }

    /**
     * The exit of dup, dup2 or dup3 (one event in libsinsp, whose result is the new fd). A file put on an fd
     * that holds a connection closes that connection, at once, in the kernel (unless another fd still holds
     * its socket); a copy of a connection's fd holds the connection too.
     */
    private void dupExit(RawEvent raw, EventEmitter emitter) {
        Long oldFd = dupEnters.remove(raw.tid());
        long newFd = longParam(raw, "res", -1);
        if (newFd < 0 || oldFd != null && oldFd == newFd) {
            return; // failed, or dup2 of an fd onto itself: nothing closed
        }
        streams.forget(raw.pid(), newFd);
        Connection replaced = connections.remove(raw.pid(), newFd);
        if (replaced != null && --replaced.fds == 0) {
            closed(replaced, raw, emitter);
        }
        Connection copied = oldFd == null ? null : connections.get(raw.pid(), oldFd);
        if (copied != null) {
            connections.alias(newFd, copied);
        }
    }

    private void processExit(RawEvent raw, EventEmitter emitter) {
        if (raw.tid() != raw.pid()) {
            return; // a thread of a process that goes on
        }
        streams.forgetProcess(raw.pid());
        for (Connection c : connections.removeProcess(raw.pid())) {
            if (--c.fds == 0) {
                closed(c, raw, emitter);
            }
        }
    }

    @Override
    public void end(EventEmitter emitter) {
        for (Connection c : new java.util.LinkedHashSet<>(connections.values())) {
            if (c.pending) {
                connects.incrementAndGet();
                emitter.emit(connectEvent(c, null, EINPROGRESS, 0));
            }
        }
        connections.clear();
        streams.clear();
        dupEnters.clear();
        kernel.end(emitter);
        size = 0;
    }

    @Override
    public Map<String, Long> statistics() {
        return Map.of("connections", (long) size, "evicted", connections.evicted(), "connects", connects.get(),
                "accepts", accepts.get(), "closes", closes.get(), "closes_with_kernel_figures", kernel.joined(),
                "closes_without_kernel_figures", kernel.unjoined());
    }

    // ---- outcomes

    private void established(Connection c, RawEvent raw, EventEmitter emitter) {
        c.pending = false;
        connects.incrementAndGet();
        emitter.emit(connectEvent(c, raw, 0, raw.timestamp() - c.start));
    }

    private void failed(Connection c, RawEvent raw, long res, EventEmitter emitter) {
        c.pending = false;
        c.failed = true;
        connects.incrementAndGet();
        emitter.emit(connectEvent(c, raw, res, raw.timestamp() - c.start));
    }

    private void closed(Connection c, RawEvent raw, EventEmitter emitter) {
        if (c.failed) {
            return;
        }
        if (c.pending) {
            c.pending = false;
            connects.incrementAndGet();
            emitter.emit(connectEvent(c, raw, EINPROGRESS, 0));
        }
        closes.incrementAndGet();
        KindlingEvent e = event("conn_close", c, raw, 0);
        e.addAttribute(Attribute.ofLong("bytes_sent", ValueType.UINT64, c.bytesSent));
        e.addAttribute(Attribute.ofLong("bytes_received", ValueType.UINT64, c.bytesReceived));
        e.addAttribute(Attribute.ofLong("writes", ValueType.UINT64, c.writes));
        e.addAttribute(Attribute.ofLong("reads", ValueType.UINT64, c.reads));
        if (c.start >= 0) {
            e.addAttribute(Attribute.ofLong("lifetime", ValueType.UINT64, raw.timestamp() - c.start));
        }
        e.addAttribute(Attribute.ofString("side", c.server ? "server" : "client"));
        kernel.close(c, e, emitter);
    }

    // ---- events

    /** {@code raw} is the event that showed the outcome, or null at the end of a capture. */
    private KindlingEvent connectEvent(Connection c, RawEvent raw, long result, long latency) {
        KindlingEvent e = event("conn_connect", c, raw, latency);
        e.addAttribute(Attribute.ofLong("result", ValueType.INT64, result));
        e.addAttribute(Attribute.ofLong("latency", ValueType.UINT64, latency));
        e.addAttribute(Attribute.ofString("side", "client"));
        return e;
    }

    private static KindlingEvent event(String name, Connection c, RawEvent raw, long latency) {
        ThreadContext thread = raw == null || !raw.hasThread() ? new ThreadContext(c.pid, c.pid, 0, 0, "", "")
                : new ThreadContext(raw.pid(), raw.tid(), raw.uid(), raw.gid(), raw.comm(), raw.containerId(), raw.vpid(), raw.vtid());
        long ts = raw == null ? c.start : raw.timestamp();
        KindlingEvent e = new KindlingEvent(name, Category.NET, raw == null ? io.kindling.probe.api.Source.UNKNOWN : raw.source(),
                ts, latency, thread);
        Tuples.Tuple t = c.tuple;
        e.setFd(new FdContext(c.fd, t.sip().length == 4 ? FdType.IPV4_SOCK : FdType.IPV6_SOCK)
                .socket(L4Protocol.TCP, c.server, t.sipText(), t.sport(), t.dipText(), t.dport()));
        return e;
    }

    // ---- reading raw events

    /** A TCP socket as libsinsp knows it, or a dual-stack stream socket whose protocol libsinsp lost. */
    private boolean isTcp(RawEvent raw, long fd) {
        return RawParams.isTcp(raw) || RawParams.isInetOfUnknownProtocol(raw) && streams.take(raw.pid(), fd);
    }
}

package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * What the Prometheus sink counts from the events it receives:
 * <ul>
 * <li>{@code kindling_events_total{name,category}}: every event;</li>
 * <li>{@code kindling_syscall_latency_seconds{name}}: a histogram of the latency of every syscall exit;</li>
 * <li>{@code kindling_socket_bytes_total{direction,protocol,remote}}: the result ({@code res}) of the
 * read and write family of syscall exits on inet sockets whose protocol a converter filled. The remote
 * endpoint is the peer: {@code dip:dport} on the client side, {@code sip} alone on the server side
 * (a client's port is ephemeral and would only add series);</li>
 * <li>{@code kindling_metrics_folded_total{metric}}: observations recorded under {@code other} because
 * their metric already held {@code maxSeries} label sets.</li>
 * </ul>
 * One thread records (the sink's delivery thread); scrapes read concurrently.
 */
final class EventMetrics {

    static final String EVENTS = "kindling_events_total";
    static final String LATENCY = "kindling_syscall_latency_seconds";
    static final String SOCKET_BYTES = "kindling_socket_bytes_total";
    static final String FOLDED = "kindling_metrics_folded_total";

    /** Bucket bounds of the latency histogram: 1 µs to 10 s. */
    static final long[] LATENCY_BOUNDS_NANOS = {
        1_000L, 5_000L, 10_000L, 50_000L, 100_000L, 500_000L,
        1_000_000L, 5_000_000L, 10_000_000L, 50_000_000L, 100_000_000L, 500_000_000L,
        1_000_000_000L, 10_000_000_000L
    };

    private static final String EXIT = "syscall_exit-";
    private static final Set<String> READS = Set.of("read", "readv", "pread", "pread64", "preadv",
            "recv", "recvfrom", "recvmsg", "recvmmsg");
    private static final Set<String> WRITES = Set.of("write", "writev", "pwrite", "pwrite64", "pwritev",
            "send", "sendto", "sendmsg", "sendmmsg", "sendfile", "sendfile64");

    private final CounterFamily events;
    private final HistogramFamily latency;
    private final CounterFamily socketBytes;

    EventMetrics(int maxSeries) {
        events = new CounterFamily(EVENTS, "Events the sink received, by event name, source and category.",
                List.of("name", "source", "category"), List.of("name"), maxSeries);
        latency = new HistogramFamily(LATENCY, "Latency of syscalls (time from enter to exit), by event name.",
                List.of("name"), List.of("name"), maxSeries, LATENCY_BOUNDS_NANOS);
        socketBytes = new CounterFamily(SOCKET_BYTES,
                "Bytes read from and written to inet sockets, by direction, l4 protocol and remote endpoint.",
                List.of("direction", "protocol", "remote"), List.of("remote"), maxSeries);
    }

    void record(KindlingEvent event) {
        String name = event.name();
        events.add(1, name, event.source() == null ? "unknown" : event.source().label(),
                event.category() == null ? "none" : event.category().label());
        if (event.source() == Source.SYSCALL_EXIT) {
            latency.observe(Math.max(0, event.latency()), name);
            String direction = direction(name);
            FdContext fd = event.fd();
            if (direction != null && fd != null && fd.protocol() != null) {
                Attribute res = event.attribute("res");
                if (res != null && res.value() instanceof Number n && n.longValue() > 0) {
                    socketBytes.add(n.longValue(), direction, fd.protocol().label(), remote(fd));
                }
            }
        }
    }

    /**
     * {@code read}, {@code write}, or {@code null} for a name outside the read and write families: a
     * syscall's name as events are delivered ({@code read}), or its exit's subscription name.
     */
    static String direction(String name) {
        String syscall = name.startsWith(EXIT) ? name.substring(EXIT.length()) : name;
        return READS.contains(syscall) ? "read" : WRITES.contains(syscall) ? "write" : null;
    }

    /** The peer of a socket: {@code dip:dport} for a client, {@code sip} for a server. */
    static String remote(FdContext fd) {
        if (Boolean.TRUE.equals(fd.serverRole())) {
            return fd.sip() == null ? "" : fd.sip();
        }
        String ip = fd.dip() == null ? "" : fd.dip();
        String port = fd.dport() == null ? "" : fd.dport().toString();
        return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
    }

    void write(Appendable out) throws IOException {
        events.write(out);
        latency.write(out);
        socketBytes.write(out);
        TextFormat.header(out, FOLDED, "counter",
                "Observations recorded under the label value other because their metric was full (see max_series).");
        List<String> label = List.of("metric");
        TextFormat.sample(out, FOLDED, label, List.of(EVENTS), events.folded());
        TextFormat.sample(out, FOLDED, label, List.of(LATENCY), latency.folded());
        TextFormat.sample(out, FOLDED, label, List.of(SOCKET_BYTES), socketBytes.folded());
    }
}

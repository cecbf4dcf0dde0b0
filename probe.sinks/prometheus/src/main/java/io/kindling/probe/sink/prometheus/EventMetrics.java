package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.ContainerContext;
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
 * <li>{@code kindling_tcp_rtt_seconds{remote}}: a histogram of the kernel's smoothed round-trip time of each
 * TCP connection, and {@code kindling_tcp_retransmits_total{remote}} and {@code kindling_tcp_resets_total{remote}}:
 * the segments it retransmitted and whether it was reset, from the connection close events that carry the
 * kernel's figures ({@code rtt}, {@code retransmits}, {@code reset}: the tcp converter joins them live), remote
 * endpoint as above;</li>
 * <li>{@code kindling_container_events_total{container_id,container_name,image,pod_namespace,pod_name}}: the
 * events of containers' threads, by container (with the container converter's names; a label it has not
 * filled is empty);</li>
 * <li>{@code kindling_metrics_folded_total{metric}}: observations recorded under {@code other} because
 * their metric already held {@code maxSeries} label sets.</li>
 * </ul>
 * One thread records (the sink's delivery thread); scrapes read concurrently.
 */
final class EventMetrics {

    static final String EVENTS = "kindling_events_total";
    static final String LATENCY = "kindling_syscall_latency_seconds";
    static final String SOCKET_BYTES = "kindling_socket_bytes_total";
    static final String TCP_RTT = "kindling_tcp_rtt_seconds";
    static final String TCP_RETRANSMITS = "kindling_tcp_retransmits_total";
    static final String TCP_RESETS = "kindling_tcp_resets_total";
    static final String CONTAINER_EVENTS = "kindling_container_events_total";
    static final String FOLDED = "kindling_metrics_folded_total";

    /** Bucket bounds of the RTT histogram: 10 µs to 1 s. */
    static final long[] RTT_BOUNDS_NANOS = {
        10_000L, 25_000L, 50_000L, 100_000L, 250_000L, 500_000L,
        1_000_000L, 2_500_000L, 5_000_000L, 10_000_000L, 25_000_000L, 50_000_000L,
        100_000_000L, 250_000_000L, 500_000_000L, 1_000_000_000L
    };

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
    private final HistogramFamily tcpRtt;
    private final CounterFamily tcpRetransmits;
    private final CounterFamily tcpResets;
    private final CounterFamily containerEvents;

    EventMetrics(int maxSeries) {
        events = new CounterFamily(EVENTS, "Events the sink received, by event name, source and category.",
                List.of("name", "source", "category"), List.of("name"), maxSeries);
        latency = new HistogramFamily(LATENCY, "Latency of syscalls (time from enter to exit), by event name.",
                List.of("name"), List.of("name"), maxSeries, LATENCY_BOUNDS_NANOS);
        socketBytes = new CounterFamily(SOCKET_BYTES,
                "Bytes read from and written to inet sockets, by direction, l4 protocol and remote endpoint.",
                List.of("direction", "protocol", "remote"), List.of("remote"), maxSeries);
        tcpRtt = new HistogramFamily(TCP_RTT, "Smoothed round-trip time of TCP connections as the kernel had it at their close,"
                + " by remote endpoint.", List.of("remote"), List.of("remote"), maxSeries, RTT_BOUNDS_NANOS);
        tcpRetransmits = new CounterFamily(TCP_RETRANSMITS, "Segments TCP connections retransmitted, by remote endpoint.",
                List.of("remote"), List.of("remote"), maxSeries);
        tcpResets = new CounterFamily(TCP_RESETS, "TCP connections that were reset, by remote endpoint.",
                List.of("remote"), List.of("remote"), maxSeries);
        List<String> container = List.of("container_id", "container_name", "image", "pod_namespace", "pod_name");
        containerEvents = new CounterFamily(CONTAINER_EVENTS, "Events of containers' threads, by container.", container,
                container, maxSeries);
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
        connection(event);
        container(event);
    }

    /** The event of a container's thread: counted under the container and what its runtime said of it. */
    private void container(KindlingEvent event) {
        ContainerContext c = event.container();
        if (c != null) {
            containerEvents.add(1, c.id(), c.name(), c.image(), c.podNamespace(), c.podName());
        } else if (event.thread() != null && !event.thread().containerId().isEmpty()) {
            containerEvents.add(1, event.thread().containerId(), "", "", "", "");
        }
    }

    /** A connection's close with the kernel's figures (an event with an fd and an {@code rtt}; not the kernel's own events). */
    private void connection(KindlingEvent event) {
        FdContext fd = event.fd();
        Attribute rtt = event.attribute("rtt");
        if (fd == null || rtt == null || fd.protocol() == null || !(rtt.value() instanceof Number micros)) {
            return;
        }
        String remote = remote(fd);
        tcpRtt.observe(micros.longValue() * 1000, remote);
        Attribute retransmits = event.attribute("retransmits");
        if (retransmits != null && retransmits.value() instanceof Number n && n.longValue() > 0) {
            tcpRetransmits.add(n.longValue(), remote);
        }
        Attribute reset = event.attribute("reset");
        if (reset != null && Boolean.TRUE.equals(reset.value())) {
            tcpResets.add(1, remote);
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
        tcpRtt.write(out);
        tcpRetransmits.write(out);
        tcpResets.write(out);
        containerEvents.write(out);
        TextFormat.header(out, FOLDED, "counter",
                "Observations recorded under the label value other because their metric was full (see max_series).");
        List<String> label = List.of("metric");
        TextFormat.sample(out, FOLDED, label, List.of(EVENTS), events.folded());
        TextFormat.sample(out, FOLDED, label, List.of(LATENCY), latency.folded());
        TextFormat.sample(out, FOLDED, label, List.of(SOCKET_BYTES), socketBytes.folded());
        TextFormat.sample(out, FOLDED, label, List.of(TCP_RTT), tcpRtt.folded());
        TextFormat.sample(out, FOLDED, label, List.of(TCP_RETRANSMITS), tcpRetransmits.folded());
        TextFormat.sample(out, FOLDED, label, List.of(TCP_RESETS), tcpResets.folded());
        TextFormat.sample(out, FOLDED, label, List.of(CONTAINER_EVENTS), containerEvents.folded());
    }
}

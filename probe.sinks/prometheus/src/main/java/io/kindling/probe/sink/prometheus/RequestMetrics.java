package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Kindling's request metrics, from the {@code net_request} events of the request converter:
 * <ul>
 * <li>server side (the entity that serves): {@code kindling_entity_request_total},
 * {@code kindling_entity_request_duration_nanoseconds_total}, {@code kindling_entity_request_send_bytes_total} (its
 * responses), {@code kindling_entity_request_receive_bytes_total} (its requests), and the histogram
 * {@code kindling_entity_request_duration_seconds} with OpenTelemetry's advised HTTP buckets;</li>
 * <li>client side (who calls whom): {@code kindling_topology_request_total} and
 * {@code kindling_topology_request_duration_nanoseconds_total}.</li>
 * </ul>
 * For gRPC calls also OpenTelemetry's {@code rpc_server_call_duration_seconds} and {@code rpc_client_call_duration_seconds}
 * ({@code rpc.server.call.duration}, {@code rpc.client.call.duration}) with {@code rpc_system}, {@code rpc_service},
 * {@code rpc_method}, {@code rpc_grpc_status_code}, {@code server_address}, {@code server_port} and the side's container labels.
 * <p>
 * Labels: {@code protocol}, {@code request_content} (the content key: clustered URL, SQL operation and table,
 * command, domain, topic), {@code response_content} (the outcome: gRPC status, HTTP status, DNS rcode, SQL error code, Redis
 * error, Kafka error code), {@code error_type}, the addresses ({@code dst_ip}, {@code dst_port}, and
 * {@code src_ip} for topology) and the containers, as the container converter describes them (Kindling's names):
 * {@code container_id}, {@code container} (its name in its pod for a Kubernetes container, else its name),
 * {@code pod}, {@code namespace} of the server on entity metrics; the same with {@code src_} for the client on
 * topology metrics, and with {@code dst_} for the server it called when that server is a container of this host
 * whose side of a request to that address the sink has seen ({@link ServerContainers}); empty where not known.
 * Each metric keeps at most {@code max_series} label sets; beyond, the content, address and container labels fold
 * into {@code other}, counted in {@code kindling_metrics_folded_total}.
 */
final class RequestMetrics {
    static final String NAME = "net_request";
    static final String ENTITY_TOTAL = "kindling_entity_request_total";
    static final String ENTITY_DURATION = "kindling_entity_request_duration_nanoseconds_total";
    static final String ENTITY_SEND = "kindling_entity_request_send_bytes_total";
    static final String ENTITY_RECEIVE = "kindling_entity_request_receive_bytes_total";
    static final String ENTITY_HISTOGRAM = "kindling_entity_request_duration_seconds";
    static final String TOPOLOGY_TOTAL = "kindling_topology_request_total";
    static final String TOPOLOGY_DURATION = "kindling_topology_request_duration_nanoseconds_total";
    /** OpenTelemetry's {@code rpc.server.call.duration} and {@code rpc.client.call.duration}, for gRPC calls. */
    static final String RPC_SERVER_DURATION = "rpc_server_call_duration_seconds";
    static final String RPC_CLIENT_DURATION = "rpc_client_call_duration_seconds";

    /** OpenTelemetry's advised buckets of http.server.request.duration: 5 ms to 10 s. */
    static final long[] HTTP_BOUNDS_NANOS = {
        5_000_000L, 10_000_000L, 25_000_000L, 50_000_000L, 75_000_000L, 100_000_000L, 250_000_000L, 500_000_000L,
        750_000_000L, 1_000_000_000L, 2_500_000_000L, 5_000_000_000L, 7_500_000_000L, 10_000_000_000L
    };

    /** The server's container on entity metrics (Kindling's names): id, name (in its pod), pod and namespace. */
    private static final List<String> CONTAINER = List.of("container_id", "container", "pod", "namespace");
    private static final List<String> SRC_CONTAINER = prefixed("src_", CONTAINER);
    private static final List<String> DST_CONTAINER = prefixed("dst_", CONTAINER);
    private static final List<String> ENTITY_LABELS = concat(List.of("protocol", "request_content", "response_content", "error_type",
            "dst_ip", "dst_port"), CONTAINER);
    private static final List<String> TOPOLOGY_LABELS = concat(List.of("protocol", "request_content", "response_content", "error_type",
            "src_ip"), SRC_CONTAINER, List.of("dst_ip", "dst_port"), DST_CONTAINER);
    private static final List<String> FOLDABLE = concat(List.of("request_content", "response_content", "src_ip", "dst_ip", "dst_port"),
            CONTAINER, SRC_CONTAINER, DST_CONTAINER);

    private final CounterFamily entityTotal;
    private final CounterFamily entityDuration;
    private final CounterFamily entitySend;
    private final CounterFamily entityReceive;
    private final HistogramFamily entityHistogram;
    private final CounterFamily topologyTotal;
    private final CounterFamily topologyDuration;
    private final HistogramFamily rpcServer;
    private final HistogramFamily rpcClient;
    private final ServerContainers servers = new ServerContainers(ServerContainers.DEFAULT_CAPACITY);

    RequestMetrics(int maxSeries) {
        entityTotal = new CounterFamily(ENTITY_TOTAL, "Requests served, seen on the server side.", ENTITY_LABELS, FOLDABLE, maxSeries);
        entityDuration = new CounterFamily(ENTITY_DURATION, "Total time of the requests served, in nanoseconds.", ENTITY_LABELS,
                FOLDABLE, maxSeries);
        entitySend = new CounterFamily(ENTITY_SEND, "Bytes of the responses the server sent.", ENTITY_LABELS, FOLDABLE, maxSeries);
        entityReceive = new CounterFamily(ENTITY_RECEIVE, "Bytes of the requests the server received.", ENTITY_LABELS, FOLDABLE,
                maxSeries);
        entityHistogram = new HistogramFamily(ENTITY_HISTOGRAM, "Duration of the requests served.",
                concat(List.of("protocol", "request_content", "dst_ip", "dst_port"), CONTAINER), FOLDABLE, maxSeries, HTTP_BOUNDS_NANOS);
        topologyTotal = new CounterFamily(TOPOLOGY_TOTAL, "Requests made, seen on the client side.", TOPOLOGY_LABELS, FOLDABLE,
                maxSeries);
        topologyDuration = new CounterFamily(TOPOLOGY_DURATION, "Total time of the requests made, in nanoseconds.",
                TOPOLOGY_LABELS, FOLDABLE, maxSeries);
        List<String> rpc = concat(List.of("rpc_system", "rpc_service", "rpc_method", "rpc_grpc_status_code", "server_address",
                "server_port"), CONTAINER);
        List<String> rpcFoldable = concat(List.of("rpc_service", "rpc_method", "server_address", "server_port"), CONTAINER);
        rpcServer = new HistogramFamily(RPC_SERVER_DURATION, "Duration of the gRPC calls served (rpc.server.call.duration).", rpc,
                rpcFoldable, maxSeries, HTTP_BOUNDS_NANOS);
        rpcClient = new HistogramFamily(RPC_CLIENT_DURATION, "Duration of the gRPC calls made (rpc.client.call.duration).", rpc,
                rpcFoldable, maxSeries, HTTP_BOUNDS_NANOS);
    }

    void record(KindlingEvent e) {
        String protocol = text(e, "protocol");
        String content = text(e, "content_key");
        String outcome = outcome(e);
        String errorType = text(e, "error_type");
        FdContext fd = e.fd();
        String sip = fd == null || fd.sip() == null ? "" : fd.sip();
        String dip = fd == null || fd.dip() == null ? "" : fd.dip();
        String dport = fd == null || fd.dport() == null ? "" : fd.dport().toString();
        ContainerContext own = ServerContainers.of(e);
        String id = own == null ? "" : own.id();
        String name = name(own);
        String pod = own == null ? "" : own.podName();
        String namespace = own == null ? "" : own.podNamespace();
        long total = number(e, "request_total_time");
        Attribute server = e.attribute("is_server");
        boolean isServer = server != null && Boolean.TRUE.equals(server.value());
        if (isServer) {
            servers.served(own, dip, dport);
            entityTotal.add(1, protocol, content, outcome, errorType, dip, dport, id, name, pod, namespace);
            entityDuration.add(total, protocol, content, outcome, errorType, dip, dport, id, name, pod, namespace);
            entitySend.add(number(e, "response_io"), protocol, content, outcome, errorType, dip, dport, id, name, pod, namespace);
            entityReceive.add(number(e, "request_io"), protocol, content, outcome, errorType, dip, dport, id, name, pod, namespace);
            entityHistogram.observe(total, protocol, content, dip, dport, id, name, pod, namespace);
        } else {
            ContainerContext dst = servers.server(own, dip, dport);
            String dstId = dst == null ? "" : dst.id();
            String dstName = name(dst);
            String dstPod = dst == null ? "" : dst.podName();
            String dstNamespace = dst == null ? "" : dst.podNamespace();
            topologyTotal.add(1, protocol, content, outcome, errorType, sip, id, name, pod, namespace, dip, dport, dstId, dstName, dstPod,
                    dstNamespace);
            topologyDuration.add(total, protocol, content, outcome, errorType, sip, id, name, pod, namespace, dip, dport, dstId, dstName,
                    dstPod, dstNamespace);
        }
        if (protocol.equals("grpc")) {
            Attribute status = e.attribute("grpc_status");
            String code = status == null || !(status.value() instanceof Number n) || n.longValue() < 0 ? "" : status.value().toString();
            HistogramFamily h = isServer ? rpcServer : rpcClient;
            h.observe(total, "grpc", text(e, "grpc_service"), text(e, "grpc_method"), code, dip, dport, id, name, pod, namespace);
        }
    }

    /** The container's name as its users read it: its name in its pod for a Kubernetes container, else the runtime's name. */
    static String name(ContainerContext c) {
        return c == null ? "" : !c.podContainer().isEmpty() ? c.podContainer() : c.name();
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return List.copyOf(all);
    }

    private static List<String> prefixed(String prefix, List<String> names) {
        List<String> all = new ArrayList<>();
        for (String n : names) {
            all.add(prefix + n);
        }
        return List.copyOf(all);
    }

    /** The response's outcome as one value, whatever the protocol. */
    static String outcome(KindlingEvent e) {
        for (String key : List.of("grpc_status", "http_status_code", "dns_rcode", "sql_error_code", "kafka_error_code", "redis_error")) {
            Attribute a = e.attribute(key);
            if (a != null) {
                return String.valueOf(a.value());
            }
        }
        return "";
    }

    private static String text(KindlingEvent e, String key) {
        Attribute a = e.attribute(key);
        return a == null ? "" : String.valueOf(a.value());
    }

    private static long number(KindlingEvent e, String key) {
        Attribute a = e.attribute(key);
        return a != null && a.value() instanceof Number n ? Math.max(0, n.longValue()) : 0;
    }

    void write(Appendable out) throws IOException {
        entityTotal.write(out);
        entityDuration.write(out);
        entitySend.write(out);
        entityReceive.write(out);
        entityHistogram.write(out);
        topologyTotal.write(out);
        topologyDuration.write(out);
        rpcServer.write(out);
        rpcClient.write(out);
    }

    void writeFolded(Appendable out, List<String> label) throws IOException {
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(ENTITY_TOTAL), entityTotal.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(ENTITY_DURATION), entityDuration.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(ENTITY_SEND), entitySend.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(ENTITY_RECEIVE), entityReceive.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(ENTITY_HISTOGRAM), entityHistogram.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(TOPOLOGY_TOTAL), topologyTotal.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(TOPOLOGY_DURATION), topologyDuration.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(RPC_SERVER_DURATION), rpcServer.folded());
        TextFormat.sample(out, EventMetrics.FOLDED, label, List.of(RPC_CLIENT_DURATION), rpcClient.folded());
    }
}

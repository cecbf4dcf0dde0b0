package io.kindling.probe.sink.otlp;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;

/**
 * One {@code net_request} event of the request converter, read once: the fields the metrics and the spans
 * need, with empty text where the event has none. The event's timestamp is the end of the response's last
 * call and {@code request_total_time} the request's whole time, so the request started {@code total} before.
 */
record NetRequest(String protocol, boolean server, String contentKey, long endNanos, long totalNanos, boolean slow,
        boolean error, String errorType, String clientAddress, int clientPort, String serverAddress, int serverPort,
        String transport, String method, String url, long status, String sql, String sqlErrorCode, String dnsDomain,
        long dnsRcode, String redisCommand, String redisError, String kafkaApi, String kafkaTopic, long kafkaErrorCode,
        String grpcService, String grpcMethod, long grpcStatus, long requestBytes, long responseBytes, long pid, long tid,
        String comm, String containerId, String podName, String podNamespace, long dnsId, String containerName,
        String podContainer) {

    static final String NAME = "net_request";

    /** No such number in the event. */
    static final long NONE = -1;

    static NetRequest of(KindlingEvent e) {
        FdContext fd = e.fd();
        ContainerContext container = e.container();
        String containerId = container != null && !container.id().isEmpty() ? container.id()
                : e.thread() != null && e.thread().containerId() != null ? e.thread().containerId() : "";
        long total = number(e, "request_total_time", 0);
        return new NetRequest(text(e, "protocol"), flag(e, "is_server"), text(e, "content_key"), e.timestamp(),
                Math.max(0, total), flag(e, "is_slow"), flag(e, "is_error"), text(e, "error_type"),
                fd == null || fd.sip() == null ? "" : fd.sip(), fd == null || fd.sport() == null ? -1 : fd.sport(),
                fd == null || fd.dip() == null ? "" : fd.dip(), fd == null || fd.dport() == null ? -1 : fd.dport(),
                fd == null || fd.protocol() == null ? "" : fd.protocol() == L4Protocol.UDP ? "udp" : "tcp",
                text(e, "http_method"), text(e, "http_url"), number(e, "http_status_code", NONE), text(e, "sql"),
                text(e, "sql_error_code"), text(e, "dns_domain"), number(e, "dns_rcode", NONE), text(e, "redis_command"),
                text(e, "redis_error"), text(e, "kafka_api"), text(e, "kafka_topic"), number(e, "kafka_error_code", NONE),
                text(e, "grpc_service"), text(e, "grpc_method"), number(e, "grpc_status", NONE),
                number(e, "request_io", 0), number(e, "response_io", 0), e.thread() == null ? 0 : e.thread().pid(),
                e.thread() == null ? 0 : e.thread().tid(),
                e.thread() == null || e.thread().comm() == null ? "" : e.thread().comm(), containerId,
                container == null ? "" : container.podName(), container == null ? "" : container.podNamespace(),
                number(e, "dns_id", NONE), container == null ? "" : container.name(),
                container == null ? "" : container.podContainer());
    }

    /** HTTP of any version: {@code http} (1.x) or {@code http2} (h2c, not gRPC). */
    boolean http() {
        return protocol.equals("http") || protocol.equals("http2");
    }

    long startNanos() {
        return endNanos - totalNanos;
    }

    double seconds() {
        return totalNanos / 1e9;
    }

    /** Kindling's error types other than {@code NoError}: {@code NoResponse}, {@code ConnectFail}, {@code ProtocolError}. */
    boolean failedExchange() {
        return !errorType.isEmpty() && !errorType.equals("NoError");
    }

    /** The connection, client to server, the same on the client's side and on the server's. */
    String connection() {
        return clientAddress + ':' + clientPort + '>' + serverAddress + ':' + serverPort + '/' + transport;
    }

    private static String text(KindlingEvent e, String key) {
        Attribute a = e.attribute(key);
        return a == null || a.value() == null ? "" : String.valueOf(a.value());
    }

    private static long number(KindlingEvent e, String key, long absent) {
        Attribute a = e.attribute(key);
        return a != null && a.value() instanceof Number n ? n.longValue() : absent;
    }

    private static boolean flag(KindlingEvent e, String key) {
        Attribute a = e.attribute(key);
        return a != null && Boolean.TRUE.equals(a.value());
    }
}

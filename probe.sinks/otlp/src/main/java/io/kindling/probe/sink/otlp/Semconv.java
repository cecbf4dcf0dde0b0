package io.kindling.probe.sink.otlp;

import java.util.List;
import java.util.Locale;

/**
 * How a {@code net_request} reads in OpenTelemetry's semantic conventions: which duration metric it belongs
 * to, with which attribute values, and the name of its span. HTTP both sides
 * ({@code http.server.request.duration}, {@code http.client.request.duration}; HTTP/2 with
 * {@code network.protocol.version} 2); gRPC both sides ({@code rpc.server.call.duration},
 * {@code rpc.client.call.duration}); the client side of MySQL,
 * PostgreSQL and Redis ({@code db.client.operation.duration}), of DNS ({@code dns.lookup.duration}) and of
 * Kafka ({@code messaging.client.operation.duration}); everything else (the server side of those, protocols
 * no parser knew) in {@code kindling.request.duration} with Kindling's own names.
 */
final class Semconv {

    /** One attribute of a metric: its name, whether its value is a number, whether it folds into {@code other}. */
    record Label(String name, boolean numeric, boolean foldable) {}

    /** OpenTelemetry's advised buckets of the HTTP and messaging durations, in seconds. */
    static final List<Double> HTTP_BUCKETS = List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
            10.0);
    /** OpenTelemetry's advised buckets of {@code db.client.operation.duration}, in seconds. */
    static final List<Double> DB_BUCKETS = List.of(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0);

    private static final List<Label> PLACE = List.of(new Label("server.address", false, true), new Label("server.port", true, true),
            new Label("container.id", false, true), new Label("container.name", false, true), new Label("k8s.pod.name", false, true),
            new Label("k8s.namespace.name", false, true), new Label("k8s.container.name", false, true));
    /** The attributes of an HTTP duration, either side, and of a gRPC call's, either side. */
    private static final List<Label> HTTP_LABELS = labels(new Label("http.request.method", false, false),
            new Label("http.response.status_code", true, false), new Label("http.route", false, true),
            new Label("error.type", false, false), new Label("network.peer.address", false, true),
            new Label("network.protocol.version", false, false));
    private static final List<Label> RPC_LABELS = labels(new Label("rpc.system", false, false),
            new Label("rpc.service", false, true), new Label("rpc.method", false, true),
            new Label("rpc.grpc.status_code", true, false), new Label("error.type", false, false),
            new Label("network.peer.address", false, true));

    /** A metric's own attributes, then those of {@link #PLACE}. */
    private static List<Label> labels(Label... own) {
        return java.util.stream.Stream.concat(List.of(own).stream(), PLACE.stream()).toList();
    }

    /** The duration metrics, each with its attributes in the order {@link #values} gives them. */
    enum Metric {
        HTTP_SERVER("http.server.request.duration", "Duration of HTTP server requests.", HTTP_BUCKETS, HTTP_LABELS),
        HTTP_CLIENT("http.client.request.duration", "Duration of HTTP client requests.", HTTP_BUCKETS, HTTP_LABELS),
        RPC_SERVER("rpc.server.call.duration", "Duration of gRPC calls a server answered.", HTTP_BUCKETS, RPC_LABELS),
        RPC_CLIENT("rpc.client.call.duration", "Duration of gRPC calls a client made.", HTTP_BUCKETS, RPC_LABELS),
        DB_CLIENT("db.client.operation.duration", "Duration of database client operations.", DB_BUCKETS,
                labels(new Label("db.system.name", false, false), new Label("db.operation.name", false, true),
                        new Label("db.collection.name", false, true), new Label("db.response.status_code", false, true),
                        new Label("error.type", false, false))),
        DNS_LOOKUP("dns.lookup.duration", "Duration of DNS queries.", DB_BUCKETS,
                labels(new Label("dns.question.name", false, true), new Label("error.type", false, false))),
        MESSAGING_CLIENT("messaging.client.operation.duration", "Duration of messaging operations.", HTTP_BUCKETS,
                labels(new Label("messaging.system", false, false), new Label("messaging.operation.name", false, false),
                        new Label("messaging.operation.type", false, false),
                        new Label("messaging.destination.name", false, true), new Label("error.type", false, false))),
        KINDLING("kindling.request.duration", "Duration of the requests no other metric names: server side of databases, "
                + "DNS and Kafka, and protocols the probe does not know.", HTTP_BUCKETS,
                labels(new Label("kindling.protocol", false, false), new Label("kindling.role", false, false),
                        new Label("kindling.request_content", false, true),
                        new Label("kindling.response_content", false, true), new Label("error.type", false, false),
                        new Label("network.peer.address", false, true)));

        final String metricName;
        final String description;
        final List<Double> buckets;
        final List<Label> labels;

        Metric(String metricName, String description, List<Double> buckets, List<Label> labels) {
            this.metricName = metricName;
            this.description = description;
            this.buckets = buckets;
            this.labels = labels;
        }

    }

    private Semconv() {}

    static Metric metric(NetRequest r) {
        switch (r.protocol()) {
            case "http", "http2":
                return r.server() ? Metric.HTTP_SERVER : Metric.HTTP_CLIENT;
            case "grpc":
                return r.server() ? Metric.RPC_SERVER : Metric.RPC_CLIENT;
            case "mysql", "pgsql", "redis":
                return r.server() ? Metric.KINDLING : Metric.DB_CLIENT;
            case "dns":
                return r.server() ? Metric.KINDLING : Metric.DNS_LOOKUP;
            case "kafka":
                return r.server() ? Metric.KINDLING : Metric.MESSAGING_CLIENT;
            default:
                return Metric.KINDLING;
        }
    }

    /** The attribute values of {@code r} in {@code metric}'s order; "" where there is none. */
    static String[] values(Metric metric, NetRequest r) {
        String error = errorType(r);
        String status = r.status() >= 0 ? Long.toString(r.status()) : "";
        String peer = r.server() ? r.clientAddress() : r.serverAddress();
        String[] own = switch (metric) {
            case HTTP_SERVER, HTTP_CLIENT -> new String[] {r.method(), status, r.contentKey(), error, peer,
                    r.protocol().equals("http2") ? "2" : ""};
            case RPC_SERVER, RPC_CLIENT -> new String[] {"grpc", r.grpcService(), r.grpcMethod(),
                    r.grpcStatus() >= 0 ? Long.toString(r.grpcStatus()) : "", error, peer};
            case DB_CLIENT -> new String[] {dbSystem(r.protocol()), dbOperation(r), dbCollection(r), dbStatus(r), error};
            case DNS_LOOKUP -> new String[] {r.dnsDomain().isEmpty() ? r.contentKey() : r.dnsDomain(), error};
            case MESSAGING_CLIENT -> new String[] {"kafka", r.kafkaApi(), messagingType(r.kafkaApi()),
                    r.kafkaTopic(), error};
            case KINDLING -> new String[] {r.protocol(), r.server() ? "server" : "client", r.contentKey(), outcome(r), error,
                    peer};
        };
        String[] all = new String[own.length + PLACE.size()];
        System.arraycopy(own, 0, all, 0, own.length);
        int i = own.length;
        all[i++] = r.serverAddress();
        all[i++] = r.serverPort() >= 0 ? Integer.toString(r.serverPort()) : "";
        all[i++] = r.containerId();
        all[i++] = r.containerName();
        all[i++] = r.podName();
        all[i++] = r.podNamespace();
        all[i] = r.podContainer();
        return all;
    }

    /**
     * {@code error.type}: Kindling's failed exchanges ({@code NoResponse}, {@code ConnectFail},
     * {@code ProtocolError}) by name; else the response's own error: an HTTP status of 500 or more (400 or more
     * on the client side), the DNS rcode's name, the SQL error code, the Redis error's prefix, the Kafka error
     * code. Empty when the request succeeded.
     */
    static String errorType(NetRequest r) {
        if (r.failedExchange()) {
            return r.errorType();
        }
        switch (r.protocol()) {
            case "http", "http2":
                return r.status() >= 500 || (!r.server() && r.status() >= 400) ? Long.toString(r.status()) : "";
            case "grpc":
                return grpcFailed(r) ? grpcStatusName(r.grpcStatus()) : r.status() >= 400 ? Long.toString(r.status()) : "";
            case "dns":
                return r.dnsRcode() > 0 ? rcodeName(r.dnsRcode()) : "";
            case "mysql", "pgsql":
                return r.sqlErrorCode().isEmpty() ? (r.error() ? "error" : "") : r.sqlErrorCode();
            case "redis":
                return r.redisError().isEmpty() ? (r.error() ? "error" : "") : firstWord(r.redisError());
            case "kafka":
                return r.kafkaErrorCode() > 0 ? Long.toString(r.kafkaErrorCode()) : "";
            default:
                return r.error() ? "error" : "";
        }
    }

    /** The response's outcome, whatever the protocol, as Kindling's {@code response_content}. */
    static String outcome(NetRequest r) {
        if (r.status() >= 0) {
            return Long.toString(r.status());
        }
        if (r.dnsRcode() >= 0) {
            return Long.toString(r.dnsRcode());
        }
        if (!r.sqlErrorCode().isEmpty()) {
            return r.sqlErrorCode();
        }
        if (r.kafkaErrorCode() >= 0) {
            return Long.toString(r.kafkaErrorCode());
        }
        return r.redisError();
    }

    /** The span's name: {@code METHOD ROUTE}, the SQL operation and table, the command, {@code API TOPIC}. */
    static String spanName(NetRequest r) {
        return switch (r.protocol()) {
            case "http", "http2" -> r.method().isEmpty() ? "HTTP" : r.contentKey().isEmpty() ? r.method()
                    : r.method() + ' ' + r.contentKey();
            case "grpc" -> r.grpcService().isEmpty() && r.grpcMethod().isEmpty() ? "gRPC" : r.grpcService() + '/' + r.grpcMethod();
            case "mysql", "pgsql", "redis" -> r.contentKey().isEmpty() ? dbSystem(r.protocol()) : r.contentKey();
            case "dns" -> "DNS " + (r.dnsDomain().isEmpty() ? r.contentKey() : r.dnsDomain());
            case "kafka" -> (r.kafkaApi().isEmpty() ? "kafka" : r.kafkaApi()) + (r.kafkaTopic().isEmpty() ? "" : " " + r.kafkaTopic());
            default -> r.contentKey().isEmpty() ? r.protocol() : r.protocol() + ' ' + r.contentKey();
        };
    }

    /**
     * Whether a gRPC call failed by its status, as OpenTelemetry's conventions say: on the client side any status but
     * OK; on the server side only the statuses that mean the server failed (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
     * INTERNAL, UNAVAILABLE, DATA_LOSS), not those that tell the client it asked wrong.
     */
    static boolean grpcFailed(NetRequest r) {
        long s = r.grpcStatus();
        if (s <= 0) {
            return false;
        }
        return !r.server() || s == 2 || s == 4 || s == 12 || s == 13 || s == 14 || s == 15;
    }

    private static final String[] GRPC_STATUS = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
        "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
        "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

    /** A gRPC status code's name ({@code NOT_FOUND}), or its number when gRPC defines none. */
    static String grpcStatusName(long status) {
        return status >= 0 && status < GRPC_STATUS.length ? GRPC_STATUS[(int) status] : Long.toString(status);
    }

    static String dbSystem(String protocol) {
        return switch (protocol) {
            case "pgsql" -> "postgresql";
            default -> protocol;
        };
    }

    /** The SQL operation (the content key's first word), or the Redis command. */
    static String dbOperation(NetRequest r) {
        if (r.protocol().equals("redis")) {
            return r.redisCommand().isEmpty() ? r.contentKey() : r.redisCommand().toUpperCase(Locale.ROOT);
        }
        return firstWord(r.contentKey());
    }

    /** The SQL table (the content key after its operation). */
    static String dbCollection(NetRequest r) {
        if (r.protocol().equals("redis")) {
            return "";
        }
        int space = r.contentKey().indexOf(' ');
        return space < 0 ? "" : r.contentKey().substring(space + 1).trim();
    }

    static String dbStatus(NetRequest r) {
        return r.protocol().equals("redis") ? (r.redisError().isEmpty() ? "" : firstWord(r.redisError())) : r.sqlErrorCode();
    }

    static String messagingType(String api) {
        return switch (api) {
            case "Produce" -> "send";
            case "Fetch" -> "receive";
            default -> "";
        };
    }

    static String rcodeName(long rcode) {
        return switch ((int) rcode) {
            case 1 -> "FORMERR";
            case 2 -> "SERVFAIL";
            case 3 -> "NXDOMAIN";
            case 4 -> "NOTIMP";
            case 5 -> "REFUSED";
            default -> Long.toString(rcode);
        };
    }

    private static String firstWord(String text) {
        int space = text.indexOf(' ');
        return space < 0 ? text : text.substring(0, space);
    }
}

package io.kindling.probe.sink.otlp;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/** {@code net_request} events as the request converter makes them, and sink configurations, for the unit tests. */
final class Requests {

    private Requests() {}

    /** A request of {@code protocol} on connection client:cport to server:sport, ending at {@code end}, lasting {@code total}. */
    static KindlingEvent request(String protocol, boolean server, String client, int cport, String serverAddress, int sport,
            long end, long total, String contentKey, boolean error, String errorType, Map<String, Object> more) {
        KindlingEvent e = new KindlingEvent("net_request", Category.NET, Source.SYSCALL_EXIT, end, total,
                new ThreadContext(server ? 100 : 200, server ? 101 : 201, 0, 0, server ? "nginx" : "curl", ""));
        e.setFd(new FdContext(7, FdType.IPV4_SOCK).socket(protocol.equals("dns") ? L4Protocol.UDP : L4Protocol.TCP, server,
                client, cport, serverAddress, sport));
        e.addAttribute(Attribute.ofString("protocol", protocol));
        e.addAttribute(new Attribute("is_server", ValueType.BOOL, server));
        e.addAttribute(Attribute.ofLong("request_total_time", ValueType.UINT64, total));
        e.addAttribute(Attribute.ofLong("request_io", ValueType.UINT64, 80));
        e.addAttribute(Attribute.ofLong("response_io", ValueType.UINT64, 300));
        e.addAttribute(new Attribute("is_slow", ValueType.BOOL, total >= 500_000_000L));
        e.addAttribute(new Attribute("is_error", ValueType.BOOL, error));
        e.addAttribute(Attribute.ofString("error_type", errorType));
        e.addAttribute(Attribute.ofString("content_key", contentKey));
        more.forEach((k, v) -> e.addAttribute(v instanceof Number n ? Attribute.ofLong(k, ValueType.INT64, n.longValue())
                : Attribute.ofString(k, String.valueOf(v))));
        return e;
    }

    static KindlingEvent http(boolean server, int cport, long end, long total, String method, String url, String route, int status) {
        return request("http", server, "127.0.0.1", cport, "127.0.0.1", 8080, end, total, route, status >= 400, "NoError",
                Map.of("http_method", method, "http_url", url, "http_status_code", status));
    }

    /** The sink's configuration: these properties (dots as in Configuration Admin), the rest by default. */
    static OtlpSink.Config config(Map<String, Object> properties) {
        return config(OtlpSink.Config.class, properties);
    }

    /** A configuration annotation of {@code type}: these properties, the rest by default. */
    static <A> A config(Class<A> type, Map<String, Object> properties) {
        Map<String, Object> p = new HashMap<>(properties);
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    String key = method.getName().replace('_', '.');
                    if (p.containsKey(key)) {
                        return p.get(key);
                    }
                    if (method.getDefaultValue() != null) {
                        return method.getDefaultValue();
                    }
                    return switch (method.getName()) {
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "config" + p;
                        case "annotationType" -> type;
                        default -> null;
                    };
                }));
    }
}

package io.kindling.probe.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kindling's request metrics from net_request events, as the request converter makes them. */
class RequestMetricsTest {

    static KindlingEvent request(boolean server, String path, long status, long totalNanos, long requestBytes, long responseBytes) {
        return request("http", server, path, status, totalNanos, requestBytes, responseBytes);
    }

    static KindlingEvent request(String protocol, boolean server, String path, long status, long totalNanos, long requestBytes,
            long responseBytes) {
        KindlingEvent e = new KindlingEvent("net_request", Category.NET, Source.SYSCALL_EXIT, 1, totalNanos,
                new ThreadContext(1, 1, 0, 0, server ? "nginx" : "curl", ""));
        e.setFd(new FdContext(3, FdType.IPV4_SOCK).socket(L4Protocol.TCP, server, "10.0.0.1", 40000, "10.0.0.2", 80));
        e.addAttribute(Attribute.ofString("protocol", protocol));
        e.addAttribute(new Attribute("is_server", ValueType.BOOL, server));
        e.addAttribute(Attribute.ofLong("request_total_time", ValueType.UINT64, totalNanos));
        e.addAttribute(Attribute.ofLong("request_io", ValueType.UINT64, requestBytes));
        e.addAttribute(Attribute.ofLong("response_io", ValueType.UINT64, responseBytes));
        e.addAttribute(Attribute.ofString("error_type", "NoError"));
        e.addAttribute(Attribute.ofString("content_key", path));
        e.addAttribute(Attribute.ofLong("http_status_code", ValueType.INT64, status));
        return e;
    }

    @Test
    void entityAndTopologySeriesWithTheHttpBucketsAndABound() throws IOException {
        EventMetrics metrics = new EventMetrics(2);
        metrics.record(request(true, "/users/*", 200, 3_000_000, 100, 1000));
        metrics.record(request(true, "/users/*", 200, 60_000_000, 100, 2000));
        metrics.record(request(true, "/orders", 404, 1_000_000, 50, 10));
        metrics.record(request(true, "/third", 200, 1_000_000, 50, 10)); // beyond 2 series: folded
        metrics.record(request(false, "/users/*", 200, 70_000_000, 100, 2000));
        Scrape s = Scrape.parse(new MetricsServlet(metrics, () -> null).render());
        String labels = "|NoError|10.0.0.2|80|";
        assertEquals(Map.of("http|/users/*|200" + labels, 2.0, "http|/orders|404" + labels, 1.0, "http|other|other|NoError|other|other|other", 1.0),
                s.values(RequestMetrics.ENTITY_TOTAL, "protocol", "request_content", "response_content", "error_type", "dst_ip",
                        "dst_port", "container_id"));
        assertEquals(63_000_000.0, s.values(RequestMetrics.ENTITY_DURATION, "request_content", "response_content").get("/users/*|200"));
        assertEquals(3000.0, s.values(RequestMetrics.ENTITY_SEND, "request_content", "response_content").get("/users/*|200"));
        assertEquals(200.0, s.values(RequestMetrics.ENTITY_RECEIVE, "request_content", "response_content").get("/users/*|200"));
        assertEquals(1.0, s.values(RequestMetrics.TOPOLOGY_TOTAL, "src_ip", "dst_ip").get("10.0.0.1|10.0.0.2"));
        assertEquals(1.0, s.values(EventMetrics.FOLDED, "metric").get(RequestMetrics.ENTITY_TOTAL));
        String text = new MetricsServlet(metrics, () -> null).render();
        // OpenTelemetry's advised buckets: 3 ms falls under 0.005, 60 ms under 0.075
        assertEquals(true, text.contains("kindling_entity_request_duration_seconds_bucket{protocol=\"http\",request_content=\"/users/*\","
                + "dst_ip=\"10.0.0.2\",dst_port=\"80\",container_id=\"\",container=\"\",pod=\"\",namespace=\"\",le=\"0.005\"} 1"), text);
        assertEquals(true, text.contains("le=\"0.075\"} 2"), text);
    }

    static KindlingEvent grpc(boolean server, String method, long grpcStatus, long totalNanos) {
        KindlingEvent e = request("grpc", server, "/demo.Echo/" + method, 200, totalNanos, 30, 40);
        e.addAttribute(Attribute.ofString("grpc_service", "demo.Echo"));
        e.addAttribute(Attribute.ofString("grpc_method", method));
        e.addAttribute(Attribute.ofLong("grpc_status", ValueType.INT64, grpcStatus));
        return e;
    }

    @Test
    void grpcCallsAsKindlingsRequestsAndOpenTelemetrysRpcDurations() throws IOException {
        EventMetrics metrics = new EventMetrics(16);
        metrics.record(grpc(true, "Say", 0, 2_000_000));
        metrics.record(grpc(true, "Say", 5, 30_000_000));
        metrics.record(grpc(false, "Say", 0, 4_000_000));
        String text = new MetricsServlet(metrics, () -> null).render();
        Scrape s = Scrape.parse(text);
        // the gRPC status is the response's outcome (its HTTP status is 200 whatever the call's outcome)
        assertEquals(Map.of("grpc|/demo.Echo/Say|0", 1.0, "grpc|/demo.Echo/Say|5", 1.0),
                s.values(RequestMetrics.ENTITY_TOTAL, "protocol", "request_content", "response_content"));
        assertEquals(true, text.contains("rpc_server_call_duration_seconds_bucket{rpc_system=\"grpc\",rpc_service=\"demo.Echo\","
                + "rpc_method=\"Say\",rpc_grpc_status_code=\"0\",server_address=\"10.0.0.2\",server_port=\"80\",container_id=\"\","
                + "container=\"\",pod=\"\",namespace=\"\",le=\"0.005\"} 1"), text);
        assertEquals(true, text.contains("rpc_server_call_duration_seconds_count{rpc_system=\"grpc\",rpc_service=\"demo.Echo\","
                + "rpc_method=\"Say\",rpc_grpc_status_code=\"5\""), text);
        assertEquals(true, text.contains("rpc_client_call_duration_seconds_bucket{rpc_system=\"grpc\",rpc_service=\"demo.Echo\","
                + "rpc_method=\"Say\",rpc_grpc_status_code=\"0\",server_address=\"10.0.0.2\",server_port=\"80\",container_id=\"\","
                + "container=\"\",pod=\"\",namespace=\"\",le=\"0.005\"} 1"), text);
    }

    /** A request seen in a container: {@code sip}:40000 to {@code dip}:80; {@code container} null for a host process. */
    static KindlingEvent inContainer(boolean server, ContainerContext container, String sip, String dip, String path) {
        KindlingEvent e = request(server, path, 200, 2_000_000, 100, 1000);
        e.setFd(new FdContext(3, FdType.IPV4_SOCK).socket(L4Protocol.TCP, server, sip, 40000, dip, 80));
        if (container != null) {
            ThreadContext t = e.thread();
            e = copyWithThread(e, new ThreadContext(t.pid(), t.tid(), 0, 0, t.comm(), container.id()));
            e.setContainer(container);
        }
        return e;
    }

    private static KindlingEvent copyWithThread(KindlingEvent from, ThreadContext thread) {
        KindlingEvent e = new KindlingEvent(from.name(), from.category(), from.source(), from.timestamp(), from.latency(), thread);
        e.setFd(from.fd());
        for (Attribute a : from.attributes()) {
            e.addAttribute(a);
        }
        return e;
    }

    static final ContainerContext WEB = new ContainerContext("aaaaaaaaaaaa", "web", "busybox", "", "", "", "");
    static final ContainerContext CLIENT = new ContainerContext("bbbbbbbbbbbb", "client", "busybox", "", "", "", "");
    static final ContainerContext POD_API = new ContainerContext("cccccccccccc", "k8s_api_api-7d9f_shop_u-1_0", "api:1", "api-7d9f",
            "shop", "u-1", "api");
    static final ContainerContext POD_SIDECAR = new ContainerContext("dddddddddddd", "k8s_proxy_api-7d9f_shop_u-1_0", "proxy:2",
            "api-7d9f", "shop", "u-1", "proxy");

    @Test
    void theServersContainerOnEntityAndBothSidesOnTopology() throws IOException {
        EventMetrics metrics = new EventMetrics(16);
        metrics.record(inContainer(true, WEB, "172.18.0.3", "172.18.0.2", "/index.html"));
        metrics.record(inContainer(false, CLIENT, "172.18.0.3", "172.18.0.2", "/index.html"));
        metrics.record(inContainer(false, null, "172.18.0.1", "172.18.0.2", "/index.html")); // the host calls it too
        metrics.record(inContainer(false, CLIENT, "172.18.0.3", "10.9.9.9", "/elsewhere")); // a server not on this host
        String text = new MetricsServlet(metrics, () -> null).render();
        Scrape s = Scrape.parse(text);
        assertEquals(Map.of("/index.html|aaaaaaaaaaaa|web||", 1.0),
                s.values(RequestMetrics.ENTITY_TOTAL, "request_content", "container_id", "container", "pod", "namespace"));
        assertEquals(Map.of("/index.html|bbbbbbbbbbbb|client|aaaaaaaaaaaa|web", 1.0, "/index.html|||aaaaaaaaaaaa|web", 1.0,
                "/elsewhere|bbbbbbbbbbbb|client||", 1.0), s.values(RequestMetrics.TOPOLOGY_TOTAL, "request_content",
                        "src_container_id", "src_container", "dst_container_id", "dst_container"));
        assertEquals(true, text.contains(RequestMetrics.ENTITY_HISTOGRAM + "_count{protocol=\"http\",request_content=\"/index.html\","
                + "dst_ip=\"172.18.0.2\",dst_port=\"80\",container_id=\"aaaaaaaaaaaa\",container=\"web\",pod=\"\",namespace=\"\"} 1"), text);
    }

    @Test
    void aKubernetesContainerIsNamedInItsPodWithPodAndNamespace() throws IOException {
        EventMetrics metrics = new EventMetrics(16);
        metrics.record(inContainer(true, POD_API, "10.1.0.7", "10.1.0.5", "/orders"));
        metrics.record(inContainer(false, POD_SIDECAR, "10.1.0.7", "10.1.0.5", "/orders"));
        Scrape s = Scrape.parse(new MetricsServlet(metrics, () -> null).render());
        assertEquals(Map.of("api|api-7d9f|shop", 1.0), s.values(RequestMetrics.ENTITY_TOTAL, "container", "pod", "namespace"));
        assertEquals(Map.of("proxy|api-7d9f|shop|api|api-7d9f|shop", 1.0), s.values(RequestMetrics.TOPOLOGY_TOTAL, "src_container",
                "src_pod", "src_namespace", "dst_container", "dst_pod", "dst_namespace"));
    }

    @Test
    void aLoopbackServerIsOnlyTheOneOfTheClientsOwnNetwork() throws IOException {
        EventMetrics metrics = new EventMetrics(16);
        // two containers serve on their own 127.0.0.1:80; a pod's containers share one loopback
        metrics.record(inContainer(true, WEB, "127.0.0.1", "127.0.0.1", "/a"));
        metrics.record(inContainer(true, POD_API, "127.0.0.1", "127.0.0.1", "/b"));
        metrics.record(inContainer(false, WEB, "127.0.0.1", "127.0.0.1", "/a"));
        metrics.record(inContainer(false, POD_SIDECAR, "127.0.0.1", "127.0.0.1", "/b"));
        metrics.record(inContainer(false, CLIENT, "127.0.0.1", "127.0.0.1", "/c")); // its own loopback: no server seen there
        metrics.record(inContainer(false, null, "127.0.0.1", "127.0.0.1", "/d")); // the host's loopback
        Scrape s = Scrape.parse(new MetricsServlet(metrics, () -> null).render());
        assertEquals(Map.of("/a|web|web", 1.0, "/b|proxy|api", 1.0, "/c|client|", 1.0, "/d||", 1.0),
                s.values(RequestMetrics.TOPOLOGY_TOTAL, "request_content", "src_container", "dst_container"));
    }

    @Test
    void aContainerKnownByItsIdAloneHasEmptyNames() throws IOException {
        EventMetrics metrics = new EventMetrics(16);
        KindlingEvent e = request(true, "/x", 200, 1_000_000, 1, 1);
        metrics.record(copyWithThread(e, new ThreadContext(1, 1, 0, 0, "nginx", "eeeeeeeeeeee"))); // no container converter
        Scrape s = Scrape.parse(new MetricsServlet(metrics, () -> null).render());
        assertEquals(Map.of("eeeeeeeeeeee|||", 1.0), s.values(RequestMetrics.ENTITY_TOTAL, "container_id", "container", "pod", "namespace"));
    }

    @Test
    void containersBeyondTheSeriesBoundFoldIntoOtherAndAreCounted() throws IOException {
        EventMetrics metrics = new EventMetrics(2);
        for (ContainerContext c : List.of(WEB, CLIENT, POD_API, POD_SIDECAR)) {
            metrics.record(inContainer(true, c, "10.0.0.1", "10.0.0.2", "/same"));
            metrics.record(inContainer(true, c, "10.0.0.1", "10.0.0.2", "/same"));
        }
        Scrape s = Scrape.parse(new MetricsServlet(metrics, () -> null).render());
        assertEquals(Map.of("aaaaaaaaaaaa|web||", 2.0, "bbbbbbbbbbbb|client||", 2.0, "other|other|other|other", 4.0),
                s.values(RequestMetrics.ENTITY_TOTAL, "container_id", "container", "pod", "namespace"));
        assertEquals(4.0, s.values(EventMetrics.FOLDED, "metric").get(RequestMetrics.ENTITY_TOTAL));
    }

    @Test
    void aDualStackServerIsFoundAtTheIpv4AddressItsClientsCall() {
        ServerContainers servers = new ServerContainers(16);
        servers.served(WEB, "::ffff:172.18.0.2", "8080"); // a JVM bound to the wildcard address: its IPv6 socket's view
        servers.served(POD_API, "::ffff:127.0.0.1", "8081");
        assertEquals(WEB, servers.server(CLIENT, "172.18.0.2", "8080"));
        assertEquals(POD_API, servers.server(POD_SIDECAR, "127.0.0.1", "8081"), "the same pod's loopback");
        assertEquals(null, servers.server(CLIENT, "127.0.0.1", "8081"), "another container's loopback");
    }

    @Test
    void theServersAddressesAreBounded() {
        ServerContainers servers = new ServerContainers(3);
        for (int i = 0; i < 10; i++) {
            servers.served(WEB, "10.0.0." + i, "80");
        }
        assertEquals(3, servers.size());
        assertEquals(WEB, servers.server(CLIENT, "10.0.0.9", "80"));
        assertEquals(null, servers.server(CLIENT, "10.0.0.0", "80"), "the least recently used went first");
    }
}

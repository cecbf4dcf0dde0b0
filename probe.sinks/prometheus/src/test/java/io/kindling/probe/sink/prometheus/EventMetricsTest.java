package io.kindling.probe.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
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

class EventMetricsTest {

    private static KindlingEvent event(String name, Category category, Source source, long latency) {
        return new KindlingEvent(name, category, source, 1, latency, new ThreadContext(1, 1, 0, 0, "x", ""));
    }

    private static KindlingEvent socketIo(String name, boolean server, String sip, int sport, String dip, int dport, long res) {
        KindlingEvent e = event(name, Category.NET, Source.SYSCALL_EXIT, 1500);
        e.setFd(new FdContext(3, FdType.IPV4_SOCK).socket(L4Protocol.TCP, server, sip, sport, dip, dport));
        e.addAttribute(Attribute.ofLong("res", ValueType.INT64, res));
        return e;
    }

    private static Scrape scrape(EventMetrics metrics) throws IOException {
        return Scrape.parse(new MetricsServlet(metrics, () -> null).render());
    }

    @Test
    void foldsLabelValuesBeyondTheBoundAndCountsThem() throws IOException {
        EventMetrics metrics = new EventMetrics(2);
        metrics.record(event("a", Category.FILE, Source.SYSCALL_ENTER, 0));
        metrics.record(event("b", Category.FILE, Source.SYSCALL_ENTER, 0));
        metrics.record(event("c", Category.FILE, Source.SYSCALL_ENTER, 0));
        metrics.record(event("d", Category.NET, Source.SYSCALL_ENTER, 0));
        metrics.record(event("a", Category.FILE, Source.SYSCALL_ENTER, 0));
        Scrape s = scrape(metrics);
        assertEquals(Map.of("a|syscall_enter|file", 2.0, "b|syscall_enter|file", 1.0, "other|syscall_enter|file", 1.0,
                "other|syscall_enter|net", 1.0), s.values(EventMetrics.EVENTS, "name", "source", "category"));
        assertEquals(2.0, s.values(EventMetrics.FOLDED, "metric").get(EventMetrics.EVENTS));
    }

    @Test
    void latencyHistogramsAreCumulativeInSeconds() throws IOException {
        EventMetrics metrics = new EventMetrics(10);
        metrics.record(event("read", Category.FILE, Source.SYSCALL_EXIT, 800));
        metrics.record(event("read", Category.FILE, Source.SYSCALL_EXIT, 1_000));
        metrics.record(event("read", Category.FILE, Source.SYSCALL_EXIT, 2_000_000));
        metrics.record(event("read", Category.FILE, Source.SYSCALL_EXIT, 20_000_000_000L));
        metrics.record(event("read", Category.FILE, Source.SYSCALL_ENTER, 0));
        Scrape s = scrape(metrics);
        var h = s.histograms(EventMetrics.LATENCY, "name").get("read");
        assertEquals(4, h.getSampleCount());
        assertEquals(20.002001800, h.getSampleSum(), 1e-12);
        assertEquals(1e-6, h.getBuckets().get(0).getUpperBound());
        assertEquals(2, h.getBuckets().get(0).getCumulativeCount(), "le is inclusive");
        assertEquals(3, h.getBuckets().get(7).getCumulativeCount(), "le=0.005");
        assertEquals(3, h.getBuckets().get(13).getCumulativeCount(), "le=10");
        assertEquals(4, h.getBuckets().get(14).getCumulativeCount(), "le=+Inf");
        assertEquals(1, s.histograms(EventMetrics.LATENCY, "name").size(), "only syscall exits");
        assertEquals(Map.of("read|syscall_enter|file", 1.0, "read|syscall_exit|file", 4.0),
                s.values(EventMetrics.EVENTS, "name", "source", "category"), "entry and exit share the name, not the series");
    }

    @Test
    void socketBytesByDirectionProtocolAndPeer() throws IOException {
        EventMetrics metrics = new EventMetrics(10);
        metrics.record(socketIo("sendto", false, "10.0.0.1", 40000, "10.0.0.2", 80, 100));
        metrics.record(socketIo("recvfrom", false, "10.0.0.1", 40000, "10.0.0.2", 80, 5000));
        metrics.record(socketIo("read", true, "10.0.0.9", 51000, "10.0.0.1", 8080, 300));
        metrics.record(socketIo("read", true, "10.0.0.9", 51001, "10.0.0.1", 8080, 1));
        metrics.record(socketIo("write", false, "::1", 40000, "::1", 8080, 7));
        metrics.record(socketIo("connect", false, "10.0.0.1", 40000, "10.0.0.2", 80, 0));
        assertEquals(Map.of("write|tcp|10.0.0.2:80", 100.0, "read|tcp|10.0.0.2:80", 5000.0,
                "read|tcp|10.0.0.9", 301.0, "write|tcp|[::1]:8080", 7.0),
                scrape(metrics).values(EventMetrics.SOCKET_BYTES, "direction", "protocol", "remote"));
    }

    private static KindlingEvent close(boolean server, String sip, int sport, String dip, int dport, long rttMicros,
            long retransmits, boolean reset) {
        KindlingEvent e = event("conn_close", Category.NET, Source.SYSCALL_ENTER, 0);
        e.setFd(new FdContext(3, FdType.IPV4_SOCK).socket(L4Protocol.TCP, server, sip, sport, dip, dport));
        e.addAttribute(Attribute.ofLong("rtt", ValueType.UINT32, rttMicros));
        e.addAttribute(Attribute.ofLong("retransmits", ValueType.UINT32, retransmits));
        e.addAttribute(new Attribute("reset", ValueType.BOOL, reset));
        return e;
    }

    @Test
    void tcpRttRetransmitsAndResetsByPeerFromClosesWithKernelFigures() throws IOException {
        EventMetrics metrics = new EventMetrics(10);
        metrics.record(close(false, "10.0.0.1", 40000, "10.0.0.2", 80, 30, 0, false));
        metrics.record(close(false, "10.0.0.1", 40001, "10.0.0.2", 80, 2_000, 3, true));
        metrics.record(close(true, "10.0.0.9", 51000, "10.0.0.1", 8080, 70, 1, false));
        // the kernel's own tcp_close has an rtt but no fd: it is not a connection of this view
        KindlingEvent kernel = event("tcp_close", Category.NET, Source.KPROBE, 0);
        kernel.addAttribute(Attribute.ofLong("rtt", ValueType.UINT32, 5));
        metrics.record(kernel);
        Scrape s = scrape(metrics);
        var rtt = s.histograms(EventMetrics.TCP_RTT, "remote");
        assertEquals(2, rtt.get("10.0.0.2:80").getSampleCount());
        assertEquals(0.00203, rtt.get("10.0.0.2:80").getSampleSum(), 1e-12);
        assertEquals(0, rtt.get("10.0.0.2:80").getBuckets().get(1).getCumulativeCount(), "le=25us");
        assertEquals(1, rtt.get("10.0.0.2:80").getBuckets().get(2).getCumulativeCount(), "le=50us");
        assertEquals(2, rtt.get("10.0.0.2:80").getBuckets().get(7).getCumulativeCount(), "le=2.5ms");
        assertEquals(1, rtt.get("10.0.0.9").getSampleCount());
        assertEquals(2, rtt.size());
        assertEquals(Map.of("10.0.0.2:80", 3.0, "10.0.0.9", 1.0), s.values(EventMetrics.TCP_RETRANSMITS, "remote"));
        assertEquals(Map.of("10.0.0.2:80", 1.0), s.values(EventMetrics.TCP_RESETS, "remote"));
    }

    @Test
    void containersEventsByContainerWithTheRuntimesNames() throws IOException {
        EventMetrics metrics = new EventMetrics(16);
        ThreadContext inContainer = new ThreadContext(900, 901, 0, 0, "nginx", "4f1d2c3b5a69", 1, 1);
        KindlingEvent named = new KindlingEvent("write", Category.FILE, Source.SYSCALL_EXIT, 1, 10, inContainer);
        named.setContainer(new io.kindling.probe.api.ContainerContext("4f1d2c3b5a69", "web", "nginx:1.25", "web-0", "shop",
                "u-1", "nginx"));
        metrics.record(named);
        metrics.record(named);
        // no container converter: the id alone
        metrics.record(new KindlingEvent("write", Category.FILE, Source.SYSCALL_EXIT, 1, 10,
                new ThreadContext(902, 902, 0, 0, "sh", "a1b2c3d4e5f6")));
        // a host process: not counted here
        metrics.record(event("write", Category.FILE, Source.SYSCALL_EXIT, 10));
        assertEquals(Map.of("4f1d2c3b5a69|web|nginx:1.25|shop|web-0", 2.0, "a1b2c3d4e5f6||||", 1.0),
                scrape(metrics).values(EventMetrics.CONTAINER_EVENTS, "container_id", "container_name", "image", "pod_namespace",
                        "pod_name"));
    }

    @Test
    void labelValuesAndHelpAreEscaped() throws IOException {
        StringBuilder out = new StringBuilder();
        TextFormat.header(out, "m", "counter", "a \\ b\nc");
        TextFormat.sample(out, "m", List.of("l"), List.of("q\"\\\nz"), 3);
        assertEquals("# HELP m a \\\\ b\\nc\n# TYPE m counter\nm{l=\"q\\\"\\\\\\nz\"} 3\n", out.toString());
        Scrape s = Scrape.parse(out.toString());
        assertTrue(s.values("m", "l").containsKey("q\"\\\nz"), s.values("m", "l").toString());
    }
}

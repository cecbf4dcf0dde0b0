package io.kindling.probe.converter.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.TestEngine;
import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.inspector.NativeInspector;
import io.kindling.probe.testing.Captures;
import io.kindling.probe.testing.Collector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TCP converter on real captures, through the real engine and native inspector, against sysdig's view. */
class TcpCaptureTest {

    static final Map<String, Object> PROPERTIES = Map.of(
            Converter.NAME, "tcp",
            Converter.EMITS, TcpConnectionConverter.EMITS,
            Converter.NEEDS, TcpConnectionConverter.NEEDS);

    @BeforeAll
    static void nativeInspector() {
        Captures.assumeNative();
    }

    /** Replays the capture with the tcp converter and a sink that subscribes to its events (and to {@code extra}). */
    static Collector replay(Path capture, TcpConnectionConverter converter, String... extra) throws Exception {
        Collector sink = new Collector();
        List<String> subs = new ArrayList<>(List.of("conn_connect", "conn_accept", "conn_close"));
        subs.addAll(List.of(extra));
        try (TestEngine engine = new TestEngine(new NativeInspector(1 << 21, 8192))) {
            engine.add(converter, PROPERTIES).add(sink, Map.of(Sink.SUBSCRIPTIONS, String.join(",", subs)));
            engine.replay(capture);
            List<ConverterStatistics> stats = engine.engine.converterStatistics();
            assertTrue(stats.get(0).active());
            for (String need : TcpConnectionConverter.NEEDS.split(",")) {
                // every need is a name the catalog knows (an unknown one would silently select nothing)
                assertEquals(null, engine.engine.catalog().check(io.kindling.probe.api.control.Subscription.parse(need)), need);
            }
        }
        return sink;
    }

    static String line(KindlingEvent e) {
        FdContext fd = e.fd();
        // sysdig shows an IPv4-mapped address as the IPv4 one
        String tuple = (fd.sip() + ":" + fd.sport() + "->" + fd.dip() + ":" + fd.dport()).replaceAll("::ffff:(\\d+\\.)", "$1");
        return switch (e.name()) {
            case "conn_connect" -> "conn_connect " + tuple + " " + e.attribute("result").longValue();
            case "conn_accept" -> "conn_accept " + tuple;
            default -> "conn_close " + tuple + " " + (e.attribute("lifetime") != null ? e.attribute("side").stringValue() : "?")
                    + " sent=" + e.attribute("bytes_sent").longValue() + " received=" + e.attribute("bytes_received").longValue()
                    + " writes=" + e.attribute("writes").longValue() + " reads=" + e.attribute("reads").longValue();
        };
    }

    static List<String> sorted(List<String> lines) {
        return lines.stream().sorted().toList();
    }

    static void assertAgrees(SysdigTcpView view, Collector sink) {
        assertEquals(sorted(view.connects), sorted(sink.named("conn_connect").stream().map(TcpCaptureTest::line).toList()));
        assertEquals(sorted(view.accepts), sorted(sink.named("conn_accept").stream().map(TcpCaptureTest::line).toList()));
        assertEquals(sorted(view.closes), sorted(sink.named("conn_close").stream().map(TcpCaptureTest::line).toList()));
    }

    @Test
    void curlGoogleIpv6() throws Exception {
        Path capture = Captures.shared("libs_curl_google.scap");
        Collector sink = replay(capture, new TcpConnectionConverter(1024));
        SysdigTcpView view = new SysdigTcpView(capture);
        assertAgrees(view, sink);
        // the one TCP connection: a non-blocking connect followed to its first write
        assertEquals(1, sink.named("conn_connect").size());
        KindlingEvent connect = sink.named("conn_connect").get(0);
        assertEquals(0, connect.attribute("result").longValue());
        assertEquals("2607:f8b0:4004:802::2004", connect.fd().dip());
        assertEquals(80, connect.fd().dport());
        KindlingEvent close = sink.named("conn_close").get(0);
        assertEquals(78, close.attribute("bytes_sent").longValue());
        assertEquals(6040 + 5457 + 5, close.attribute("bytes_received").longValue());
        assertEquals("client", close.attribute("side").stringValue());
        assertTrue(sink.named("conn_close").stream().allMatch(e -> !e.fd().dip().isEmpty()));
        // the DNS "connection" over UDP and the failed unix connects are no TCP connections
        assertEquals(2, sink.events.size());
    }

    @Test
    void connectLocalhostStillInProgressAtTheEnd() throws Exception {
        Path capture = Captures.shared("falco_connect_localhost.scap");
        Collector sink = replay(capture, new TcpConnectionConverter(1024));
        assertAgrees(new SysdigTcpView(capture), sink);
        assertEquals(List.of("conn_connect 127.0.0.1:47192->127.0.0.1:80 -115"),
                sink.named("conn_connect").stream().map(TcpCaptureTest::line).toList());
    }

    @Test
    void generatedHttpEveryConnectionOncePerSide(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("http.scap");
        CaptureGenerator.generate(Scenario.HTTP, 30_000, 7, capture);
        Collector sink = replay(capture, new TcpConnectionConverter(65536), "syscall_exit-write:file");
        SysdigTcpView view = new SysdigTcpView(capture);
        assertAgrees(view, sink);
        assertFalse(view.closes.isEmpty());

        // per tuple: one connect or accept per side, one close per side
        Map<String, Map<String, Long>> byTuple = new HashMap<>();
        for (KindlingEvent e : sink.named("conn_connect")) {
            if (e.attribute("result").longValue() == 0) {
                byTuple.computeIfAbsent(tuple(e), k -> new HashMap<>()).merge("open client", 1L, Long::sum);
            }
        }
        for (KindlingEvent e : sink.named("conn_accept")) {
            byTuple.computeIfAbsent(tuple(e), k -> new HashMap<>()).merge("open server", 1L, Long::sum);
        }
        for (KindlingEvent e : sink.named("conn_close")) {
            byTuple.computeIfAbsent(tuple(e), k -> new HashMap<>()).merge("close " + e.attribute("side").stringValue(), 1L, Long::sum);
        }
        int complete = 0;
        for (Map.Entry<String, Map<String, Long>> t : byTuple.entrySet()) {
            Map<String, Long> m = t.getValue();
            assertTrue(m.values().stream().allMatch(n -> n == 1), t.getKey() + " " + m);
            if (m.size() == 4) {
                complete++;
            }
        }
        assertTrue(complete > 100, "connections seen on both sides from open to close: " + complete);
        // the needs reached no sink: the sink subscribed to file writes only, besides the tcp events
        assertTrue(sink.events.stream().allMatch(e -> e.name().startsWith("conn_") || e.name().equals("write") && e.source() == io.kindling.probe.api.Source.SYSCALL_EXIT
                && e.category() == io.kindling.probe.api.Category.FILE),
                sink.events.stream().map(KindlingEvent::name).distinct().collect(Collectors.joining(",")));
    }

    @Test
    void boundedStateCountsEvictions(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("http.scap");
        CaptureGenerator.generate(Scenario.HTTP, 10_000, 11, capture);
        TcpConnectionConverter converter = new TcpConnectionConverter(1);
        Collector sink = replay(capture, converter);
        long evicted = converter.statistics().get("evicted");
        assertTrue(evicted > 0, "with room for one connection, interleaved connections are evicted");
        // an evicted connection closes as one first seen at its close: counts start over, no lifetime
        assertTrue(sink.named("conn_close").stream().anyMatch(e -> e.attribute("lifetime") == null));
    }

    private static String tuple(KindlingEvent e) {
        return e.fd().sip() + ":" + e.fd().sport() + "->" + e.fd().dip() + ":" + e.fd().dport();
    }
}

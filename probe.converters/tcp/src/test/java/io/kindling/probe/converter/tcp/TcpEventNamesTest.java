package io.kindling.probe.converter.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.source.EventTable;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.TestEngine;
import io.kindling.probe.inspector.NativeInspector;
import io.kindling.probe.testing.Captures;
import io.kindling.probe.testing.Collector;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The connection events this bundle derives from system calls have names of their own: no Kindling
 * event (kernel TCP events included) and no libsinsp event has them, and a sink subscribed to the one
 * kind never receives the other.
 */
class TcpEventNamesTest {

    /** The names Kindling's probe and collector give events (its collector's constnames, and its kernel events). */
    static final List<String> KINDLING_NAMES = List.of("read", "write", "readv", "writev", "pread", "pwrite", "preadv",
            "pwritev", "sendto", "recvfrom", "sendmsg", "sendmmsg", "recvmsg", "connect", "tcp_close", "tcp_rcv_established",
            "tcp_drop", "tcp_retransmit_skb", "tcp_connect", "tcp_set_state", "tcp_send_reset", "tcp_receive_reset",
            "cpu_analysis", "cpu_event", "java_futex_info", "apm_trace_id_event", "apm_span_event", "other", "procexit",
            "grpc_uprobe");

    static final List<String> KERNEL_SUBSCRIPTIONS = List.of(TcpKernelEventConverter.EVENTS.split(","));

    @Test
    void derivedNamesAreNoKindlingOrLibsinspName() {
        Captures.assumeNative();
        EventTable table = new NativeInspector(1 << 21, 8192).eventTable();
        Set<String> taken = new HashSet<>(KINDLING_NAMES);
        for (int t = 0; t < table.typeCount(); t++) {
            taken.add(table.typeName(t));
        }
        for (int sc = 0; sc < table.syscallCount(); sc++) {
            taken.add(table.syscallName(sc));
        }
        for (String kernel : KERNEL_SUBSCRIPTIONS) {
            taken.add(kernel);
            taken.add(kernel.substring(kernel.indexOf('-') + 1)); // the name Kindling delivers it with
        }
        List<String> derived = List.of(TcpConnectionConverter.EMITS.split(","));
        assertEquals(List.of("conn_connect", "conn_accept", "conn_close"), derived);
        for (String name : derived) {
            assertFalse(taken.contains(name), name + " is taken");
        }
    }

    @Test
    void aSinkOfTheOneKindNeverGetsTheOther() throws Exception {
        Captures.assumeNative();
        Collector derived = new Collector();
        Collector kernel = new Collector();
        try (TestEngine engine = new TestEngine(new NativeInspector(1 << 21, 8192))) {
            engine.add(new TcpConnectionConverter(1024), TcpCaptureTest.PROPERTIES)
                    .add(new TcpKernelEventConverter(), Map.of(io.kindling.probe.api.spi.Converter.EVENTS, TcpKernelEventConverter.EVENTS,
                            io.kindling.probe.api.spi.Converter.PROVIDES_ATTRIBUTES, true))
                    .add(derived, Map.of(Sink.SUBSCRIPTIONS, TcpConnectionConverter.EMITS, Sink.NAME, "derived"))
                    .add(kernel, Map.of(Sink.SUBSCRIPTIONS, TcpKernelEventConverter.EVENTS, Sink.NAME, "kernel"));
            EventCatalog catalog = engine.engine.catalog();
            // the kernel names are Kindling's subscriptions; the bare tcp_* names select nothing, so they are refused
            for (String k : KERNEL_SUBSCRIPTIONS) {
                catalog.check(Subscription.parse(k));
            }
            for (String bare : List.of("tcp_connect", "tcp_close", "tcp_accept")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> catalog.check(Subscription.parse(bare)));
                assertTrue(e.getMessage().contains("unknown event '" + bare + "'"), e.getMessage());
            }
            engine.replay(Captures.shared("libs_curl_google.scap"));
        }
        assertTrue(derived.events.size() >= 2, "derived events (a connect and a close): " + derived.events.size());
        for (KindlingEvent e : derived.events) {
            assertTrue(e.name().startsWith("conn_"), e.name());
        }
        assertTrue(kernel.events.stream().noneMatch(e -> e.name().startsWith("conn_")), "no derived event reaches the kernel events' sink");
        // a kernel event, named as Kindling delivers it, is selected by no subscription to a derived event
        for (String k : KERNEL_SUBSCRIPTIONS) {
            String delivered = k.substring(k.indexOf('-') + 1);
            for (String d : TcpConnectionConverter.EMITS.split(",")) {
                assertFalse(Subscription.parse(d).matches(delivered, io.kindling.probe.api.Category.NET), d + " selects " + delivered);
            }
        }
    }
}

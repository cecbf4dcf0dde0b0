package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kindling.probe.api.source.EventNames;
import io.kindling.probe.api.source.EventTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The name every event of Debian's libsinsp is delivered with is libsinsp's own name of its type (what
 * sysdig's {@code evt.type} prints), for entries and exits alike; a generic syscall's is the syscall's;
 * Kindling's kernel TCP events, which the shim adds after libsinsp's types, get the names Kindling gives them.
 * (ReplayMatchesSysdigIT compares every event of every capture with sysdig's {@code evt.type}.)
 */
class DeliveredNamesTest {

    /** The kernel TCP events of the shim's table, by subscription name, with the name Kindling delivers them with. */
    static final Map<String, String> KERNEL_EVENTS = Map.of("kprobe-tcp_close", "tcp_close",
            "kprobe-tcp_rcv_established", "tcp_rcv_established", "kprobe-tcp_drop", "tcp_drop",
            "kprobe-tcp_retransmit_skb", "tcp_retransmit_skb", "kretprobe-tcp_connect", "tcp_connect",
            "tracepoint-tcp_send_reset", "tcp_send_reset", "tracepoint-tcp_receive_reset", "tcp_receive_reset",
            "tracepoint-inet_sock_set_state", "tcp_set_state");

    @Test
    void everyTypeIsDeliveredUnderLibsinspsName() {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
        EventTable table = new NativeInspector(1 << 21, 8192).eventTable();
        int named = 0;
        int kernel = 0;
        for (int t = 0; t < table.typeCount(); t++) {
            String subscription = EventNames.of(table, t);
            if (subscription == null || t == table.genericEnterType() || t == table.genericExitType()) {
                continue;
            }
            if (subscription.indexOf('-') > 0 && subscription.equals(table.typeName(t))) {
                // Kindling's kernel TCP events, which the shim adds after libsinsp's types
                assertEquals(KERNEL_EVENTS.get(subscription), EventNames.delivered(subscription), subscription);
                kernel++;
                continue;
            }
            assertEquals(table.typeName(t), EventNames.delivered(subscription), subscription);
            named++;
        }
        assertTrue(named > 300, "types: " + named);
        assertEquals(KERNEL_EVENTS.size(), kernel, "Kindling's kernel TCP event types");
        for (int sc = 0; sc < table.syscallCount(); sc++) {
            String syscall = table.syscallName(sc);
            if (syscall != null && !syscall.isEmpty()) {
                assertEquals(syscall, EventNames.delivered(EventNames.ofGeneric(true, syscall)));
                assertEquals(syscall, EventNames.delivered(EventNames.ofGeneric(false, syscall)));
            }
        }
    }

    @Test
    void kindlingsNamesOfItsTracepointsAndKernelEvents() {
        assertEquals("switch", EventNames.delivered("tracepoint-sched_switch"));
        assertEquals("procexit", EventNames.delivered("tracepoint-procexit"));
        assertEquals("signaldeliver", EventNames.delivered("tracepoint-signaldeliver"));
        assertEquals("tcp_close", EventNames.delivered("kprobe-tcp_close"));
        assertEquals("tcp_connect", EventNames.delivered("kretprobe-tcp_connect"));
        assertEquals("tcp_receive_reset", EventNames.delivered("tracepoint-tcp_receive_reset"));
        assertEquals("tcp_set_state", EventNames.delivered("tracepoint-inet_sock_set_state"));
        assertEquals("tcp_set_state", EventNames.delivered("kprobe-tcp_set_state"));
        assertEquals("cpu_event", EventNames.delivered("cpu_event"));
        assertEquals("conn_close", EventNames.delivered("conn_close"));
    }
}

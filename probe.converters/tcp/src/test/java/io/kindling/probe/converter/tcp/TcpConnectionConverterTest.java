package io.kindling.probe.converter.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.testing.TestRawEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Connection bookkeeping on hand-made system call events. */
class TcpConnectionConverterTest {
    private static final byte[] LO = {127, 0, 0, 1};
    private final List<KindlingEvent> out = new ArrayList<>();
    private long now = 1_000_000;

    private TestRawEvent ev(String name, long tid, long fd) {
        now += 1000;
        return new TestRawEvent().name(name, Category.NET, name.startsWith("syscall_enter") ? Source.SYSCALL_ENTER : Source.SYSCALL_EXIT)
                .timestamp(now).thread(100, tid, 0, 0, "app", "").fd(fd, FdType.IPV4_SOCK, "127.0.0.1:5000->127.0.0.1:80")
                .socket(L4Protocol.TCP, false, LO, 5000, LO, 80);
    }

    private static byte[] tuple(int sport, int dport) {
        return new byte[] {2, 127, 0, 0, 1, (byte) sport, (byte) (sport >> 8), 127, 0, 0, 1, (byte) dport, (byte) (dport >> 8)};
    }

    private void feed(TcpConnectionConverter c, TestRawEvent e) {
        c.observe(e, out::add);
    }

    private static TestRawEvent res(TestRawEvent e, long res) {
        return e.param("res", 11, ValueType.INT64, 8, res);
    }

    @Test
    void connectReadWriteClose() {
        TcpConnectionConverter c = new TcpConnectionConverter(16);
        feed(c, res(ev("syscall_exit-connect", 101, 3), 0).latency(500).param("tuple", 13, ValueType.BYTEBUF, tuple(5000, 80)));
        feed(c, res(ev("syscall_exit-write", 101, 3), 10));
        feed(c, res(ev("syscall_exit-read", 102, 3), 30));
        feed(c, res(ev("syscall_exit-read", 102, 3), 12));
        feed(c, ev("syscall_enter-close", 101, 3).param("fd", 14, ValueType.INT64, 8, 3));
        assertEquals(List.of("conn_connect", "conn_close"), out.stream().map(KindlingEvent::name).toList());
        KindlingEvent connect = out.get(0);
        assertEquals(0, connect.attribute("result").longValue());
        assertEquals(500, connect.attribute("latency").longValue());
        assertEquals("127.0.0.1", connect.fd().sip());
        assertEquals(80, connect.fd().dport());
        KindlingEvent close = out.get(1);
        assertEquals(10, close.attribute("bytes_sent").longValue());
        assertEquals(42, close.attribute("bytes_received").longValue());
        assertEquals(2, close.attribute("reads").longValue());
        assertEquals(1, close.attribute("writes").longValue());
        assertEquals(close.timestamp() - (connect.timestamp() - 500), close.attribute("lifetime").longValue());
        assertEquals("client", close.attribute("side").stringValue());
        assertEquals(0L, c.statistics().get("connections"));
    }

    @Test
    void nonBlockingConnectFollowedToItsFirstWrite() {
        TcpConnectionConverter c = new TcpConnectionConverter(16);
        feed(c, res(ev("syscall_exit-connect", 101, 3), -115).latency(100).param("tuple", 13, ValueType.BYTEBUF, tuple(5000, 80)));
        long connectEnter = now - 100;
        assertEquals(List.of(), out);
        feed(c, res(ev("syscall_exit-sendto", 101, 3), 7));
        assertEquals(1, out.size());
        assertEquals(0, out.get(0).attribute("result").longValue());
        assertEquals(now - connectEnter, out.get(0).attribute("latency").longValue());
    }

    @Test
    void refusedConnectHasNoClose() {
        TcpConnectionConverter c = new TcpConnectionConverter(16);
        feed(c, res(ev("syscall_exit-connect", 101, 3), -111).param("tuple", 13, ValueType.BYTEBUF, tuple(5000, 80)));
        feed(c, ev("syscall_enter-close", 101, 3).param("fd", 14, ValueType.INT64, 8, 3));
        assertEquals(List.of("conn_connect"), out.stream().map(KindlingEvent::name).toList());
        assertEquals(-111, out.get(0).attribute("result").longValue());
    }

    @Test
    void acceptThenProcessExitCloses() {
        TcpConnectionConverter c = new TcpConnectionConverter(16);
        feed(c, ev("syscall_exit-accept", 100, 7).latency(900).param("fd", 14, ValueType.INT64, 8, 7)
                .param("tuple", 13, ValueType.BYTEBUF, tuple(5000, 80)));
        feed(c, res(ev("syscall_exit-recvfrom", 102, 7), 64));
        feed(c, new TestRawEvent().name("tracepoint-procexit", Category.PROCESS, Source.TRACEPOINT).thread(100, 102, 0, 0, "app", ""));
        assertEquals(List.of("conn_accept"), out.stream().map(KindlingEvent::name).toList(), "not the main thread");
        feed(c, new TestRawEvent().name("tracepoint-procexit", Category.PROCESS, Source.TRACEPOINT).thread(100, 100, 0, 0, "app", ""));
        assertEquals(List.of("conn_accept", "conn_close"), out.stream().map(KindlingEvent::name).toList());
        assertEquals("server", out.get(1).attribute("side").stringValue());
        assertEquals(64, out.get(1).attribute("bytes_received").longValue());
        assertEquals(900, out.get(0).attribute("latency").longValue());
    }

    @Test
    void evictsBeyondTheLimitAndCounts() {
        TcpConnectionConverter c = new TcpConnectionConverter(2);
        for (int fd = 3; fd < 8; fd++) {
            feed(c, res(ev("syscall_exit-connect", 101, fd), 0).param("tuple", 13, ValueType.BYTEBUF, tuple(5000 + fd, 80)));
        }
        assertEquals(3L, c.statistics().get("evicted"));
        assertEquals(2L, c.statistics().get("connections"));
        // an evicted connection closes as one first seen at its close
        feed(c, ev("syscall_enter-close", 101, 3).param("fd", 14, ValueType.INT64, 8, 3));
        KindlingEvent close = out.get(out.size() - 1);
        assertEquals("conn_close", close.name());
        assertNull(close.attribute("lifetime"));
        c.end(out::add);
        assertEquals(0L, c.statistics().get("connections"));
    }

    @Test
    void ipv6AddressesAsSysdigPrintsThem() {
        byte[] a = new byte[16];
        a[15] = 1;
        assertEquals("::1", Tuples.address(a));
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        m[12] = 10;
        m[15] = 7;
        assertEquals("::ffff:10.0.0.7", Tuples.address(m));
        byte[] g = {0x26, 0x07, (byte) 0xf8, (byte) 0xb0, 0x40, 0x04, 0x08, 0x02, 0, 0, 0, 0, 0, 0, 0x20, 0x04};
        assertEquals("2607:f8b0:4004:802::2004", Tuples.address(g));
        assertEquals("1:0:1:0:1:0:1:0", Tuples.address(new byte[] {0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0}));
    }
}

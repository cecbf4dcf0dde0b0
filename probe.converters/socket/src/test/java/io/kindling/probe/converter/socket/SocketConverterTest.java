package io.kindling.probe.converter.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.testing.TestRawEvent;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SocketConverterTest {

    private final SocketConverter converter = new SocketConverter();

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    private FdContext convert(TestRawEvent raw) {
        KindlingEvent event = raw.toEvent();
        converter.convert(raw, event, e -> { throw new AssertionError("the socket converter emits nothing"); });
        return event.fd();
    }

    private static TestRawEvent netEvent() {
        return new TestRawEvent().name("syscall_exit-sendto", Category.NET, Source.SYSCALL_EXIT);
    }

    @Test
    void ipv4Client() {
        FdContext fd = convert(netEvent()
                .fd(5, FdType.IPV4_SOCK, "127.0.0.1:40000->127.0.0.1:8080")
                .socket(L4Protocol.TCP, false, new byte[] {127, 0, 0, 1}, 40000, new byte[] {127, 0, 0, 1}, 8080));
        assertEquals(5, fd.num());
        assertEquals(L4Protocol.TCP, fd.protocol());
        assertEquals(Boolean.FALSE, fd.serverRole());
        assertEquals("127.0.0.1", fd.sip());
        assertEquals(40000, fd.sport());
        assertEquals("127.0.0.1", fd.dip());
        assertEquals(8080, fd.dport());
        assertNull(fd.unixSource());
        assertNull(fd.filename());
    }

    @Test
    void ipv6ClientAsSysdigPrintsIt() {
        // From libs_curl_google.scap: 2600:1f18:262c:6542:9aa6:df7a:9a47:d29e:40251->2001:4860:4860::8888:53
        FdContext fd = convert(netEvent()
                .fd(3, FdType.IPV6_SOCK, "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e:40251->2001:4860:4860::8888:53")
                .socket(L4Protocol.UDP, false, hex("26001f18262c65429aa6df7a9a47d29e"), 40251,
                        hex("20014860486000000000000000008888"), 53));
        assertEquals(L4Protocol.UDP, fd.protocol());
        assertEquals("2600:1f18:262c:6542:9aa6:df7a:9a47:d29e", fd.sip());
        assertEquals(40251, fd.sport());
        assertEquals("2001:4860:4860::8888", fd.dip());
        assertEquals(53, fd.dport());
    }

    @Test
    void ipv4ServerKeepsTheZeroSource() {
        FdContext fd = convert(netEvent()
                .fd(7, FdType.IPV4_SERVSOCK, "0.0.0.0:80")
                .socket(L4Protocol.TCP, true, new byte[4], 0, new byte[] {0, 0, 0, 0}, 80));
        assertEquals(Boolean.TRUE, fd.serverRole());
        assertEquals("0.0.0.0", fd.sip());
        assertEquals(0, fd.sport());
        assertEquals("0.0.0.0", fd.dip());
        assertEquals(80, fd.dport());
    }

    @Test
    void ipv6Server() {
        FdContext fd = convert(netEvent()
                .fd(8, FdType.IPV6_SERVSOCK, ":::443")
                .socket(L4Protocol.TCP, true, new byte[16], 0, hex("00000000000000000000000000000001"), 443));
        assertEquals("::", fd.sip());
        assertEquals(0, fd.sport());
        assertEquals("::1", fd.dip());
        assertEquals(443, fd.dport());
        assertEquals(Boolean.TRUE, fd.serverRole());
    }

    @Test
    void serverWithoutSourceBytesHasNoSourceAddress() {
        FdContext fd = convert(netEvent()
                .fd(8, FdType.IPV4_SERVSOCK, "10.0.0.1:22")
                .socket(L4Protocol.TCP, true, new byte[0], 0, new byte[] {10, 0, 0, 1}, 22));
        assertNull(fd.sip());
        assertEquals("10.0.0.1", fd.dip());
    }

    @Test
    void portsAreUnsigned() {
        FdContext fd = convert(netEvent()
                .fd(5, FdType.IPV4_SOCK, "")
                .socket(L4Protocol.TCP, false, new byte[4], 65535, new byte[4], 0xffff8000));
        assertEquals(65535, fd.sport());
        assertEquals(0x8000, fd.dport());
    }

    @Test
    void unixEndpoints() {
        FdContext fd = convert(new TestRawEvent().name("syscall_exit-write", Category.IPC, Source.SYSCALL_EXIT)
                .fd(4, FdType.UNIX_SOCK, "ffff9b1c5a3e4400->ffff9b1c5a3e4800 /run/systemd/journal/stdout")
                .unix(0xffff9b1c5a3e4400L, 0xffff9b1c5a3e4800L));
        assertEquals(0xffff9b1c5a3e4400L, fd.unixSource());
        assertEquals(0xffff9b1c5a3e4800L, fd.unixDestination());
        assertNull(fd.protocol());
        assertNull(fd.sip());
    }

    @Test
    void leavesFilesAlone() {
        FdContext fd = convert(new TestRawEvent().fd(3, FdType.FILE, "/etc/passwd"));
        assertNull(fd.protocol());
        assertNull(fd.unixSource());
    }

    @Test
    void doesNothingWithoutFd() {
        TestRawEvent raw = netEvent();
        KindlingEvent event = raw.toEvent();
        converter.convert(raw, event, e -> { });
        assertNull(event.fd());
    }
}

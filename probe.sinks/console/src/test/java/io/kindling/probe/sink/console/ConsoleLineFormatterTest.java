package io.kindling.probe.sink.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConsoleLineFormatterTest {

    /** 2023-11-14T22:13:20.123456789Z */
    private static final long TS = 1_700_000_000_123_456_789L;
    private static final ThreadContext CURL = new ThreadContext(4021, 4022, 1000, 1000, "curl", "");

    private static KindlingEvent event(String name, Category category, long latency, ThreadContext thread) {
        return new KindlingEvent(name, category, Source.SYSCALL_EXIT, TS, latency, thread);
    }

    @Test
    void fileEvent() {
        KindlingEvent e = event("read", Category.FILE, 2500, new ThreadContext(100, 101, 0, 0, "cat", ""));
        e.setFd(new FdContext(3, FdType.FILE).file("passwd", "/etc"));
        e.addAttribute(Attribute.ofLong("res", ValueType.INT64, 1024));
        e.addAttribute(Attribute.ofBytes("data", "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("22:13:20.123456789 cat 100/101 < read file latency=2500ns fd=3(file /etc/passwd)"
                        + " res=1024 data=\"root:x:0:0:root:/root:/bin/bash\\n\"",
                ConsoleLineFormatter.format(e));
    }

    @Test
    void fileInTheRootDirectoryAndUnsplitName() {
        KindlingEvent e = event("openat", Category.FILE, 0, CURL);
        e.setFd(new FdContext(4, FdType.FILE_V2).file("vmlinuz", "/"));
        assertEquals("22:13:20.123456789 curl 4021/4022 < openat file fd=4(file /vmlinuz)", ConsoleLineFormatter.format(e));
        e.setFd(new FdContext(4, FdType.FILE));
        assertEquals("22:13:20.123456789 curl 4021/4022 < openat file fd=4(file)", ConsoleLineFormatter.format(e));
    }

    @Test
    void ipv4AndIpv6Sockets() {
        KindlingEvent e = event("connect", Category.NET, 0, CURL);
        e.setFd(new FdContext(5, FdType.IPV4_SOCK).socket(L4Protocol.TCP, false, "10.0.0.1", 40000, "10.0.0.2", 80));
        assertEquals("22:13:20.123456789 curl 4021/4022 < connect net fd=5(ipv4 tcp 10.0.0.1:40000->10.0.0.2:80)",
                ConsoleLineFormatter.format(e));
        e.setFd(new FdContext(3, FdType.IPV6_SOCK).socket(L4Protocol.UDP, false,
                "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e", 40251, "2001:4860:4860::8888", 53));
        assertEquals("22:13:20.123456789 curl 4021/4022 < connect net"
                        + " fd=3(ipv6 udp [2600:1f18:262c:6542:9aa6:df7a:9a47:d29e]:40251->[2001:4860:4860::8888]:53)",
                ConsoleLineFormatter.format(e));
        e.setFd(new FdContext(7, FdType.IPV4_SERVSOCK).socket(L4Protocol.TCP, true, null, 0, "0.0.0.0", 8080));
        assertEquals("22:13:20.123456789 curl 4021/4022 < connect net fd=7(ipv4_server tcp -:0->0.0.0.0:8080)",
                ConsoleLineFormatter.format(e));
    }

    @Test
    void unixSocket() {
        KindlingEvent e = event("write", Category.IPC, 0, CURL);
        e.setFd(new FdContext(9, FdType.UNIX_SOCK).unix(0xffff9b1c5a3e4400L, 0));
        assertEquals("22:13:20.123456789 curl 4021/4022 < write ipc fd=9(unix 0xffff9b1c5a3e4400->0x0)",
                ConsoleLineFormatter.format(e));
    }

    @Test
    void aSyscallsEntryAndExitShareTheNameTheDirectionTellsThemApart() {
        KindlingEvent enter = new KindlingEvent("read", Category.NET, Source.SYSCALL_ENTER, TS, 0, CURL);
        KindlingEvent exit = new KindlingEvent("read", Category.NET, Source.SYSCALL_EXIT, TS, 900, CURL);
        assertEquals("22:13:20.123456789 curl 4021/4022 > read net", ConsoleLineFormatter.format(enter));
        assertEquals("22:13:20.123456789 curl 4021/4022 < read net latency=900ns", ConsoleLineFormatter.format(exit));
    }

    @Test
    void withoutThreadAndFd() {
        KindlingEvent e = new KindlingEvent("switch", Category.SCHEDULER, Source.TRACEPOINT, 0, 0, null);
        e.addAttribute(Attribute.ofLong("next", ValueType.INT64, 0));
        assertEquals("00:00:00.000000000 - - switch scheduler next=0", ConsoleLineFormatter.format(e));
    }

    @Test
    void numbersAreReadAtTheirTypesWidth() {
        KindlingEvent e = event("read", Category.FILE, 0, CURL);
        e.addAttribute(Attribute.ofLong("u64", ValueType.UINT64, -1L));
        e.addAttribute(Attribute.ofLong("u32", ValueType.UINT32, -1L));
        e.addAttribute(Attribute.ofLong("u16", ValueType.UINT16, 0xffff));
        e.addAttribute(Attribute.ofLong("u8", ValueType.UINT8, -1L));
        e.addAttribute(Attribute.ofLong("i8", ValueType.INT8, 0xff));
        e.addAttribute(Attribute.ofLong("i32", ValueType.INT32, -2));
        e.addAttribute(Attribute.ofLong("i64", ValueType.INT64, Long.MIN_VALUE));
        e.addAttribute(new Attribute("f", ValueType.FLOAT, 0.1d));
        e.addAttribute(new Attribute("d", ValueType.DOUBLE, 2.5d));
        e.addAttribute(new Attribute("b", ValueType.BOOL, true));
        assertEquals("22:13:20.123456789 curl 4021/4022 < read file u64=18446744073709551615 u32=4294967295"
                        + " u16=65535 u8=255 i8=-1 i32=-2 i64=-9223372036854775808 f=0.1 d=2.5 b=true",
                ConsoleLineFormatter.format(e));
    }

    @Test
    void textIsTextWithControlCharactersEscaped() {
        KindlingEvent e = event("execve", Category.PROCESS, 0, new ThreadContext(1, 1, 0, 0, "my\tcomm", ""));
        e.addAttribute(Attribute.ofString("exe", "/usr/bin/env"));
        e.addAttribute(Attribute.ofString("args", "a b\nc\\d"));
        assertEquals("22:13:20.123456789 my\\tcomm 1/1 < execve process exe=/usr/bin/env args=a b\\nc\\\\d",
                ConsoleLineFormatter.format(e));
    }

    @Test
    void bytesArePrintableEscapedAndCutAt64() {
        byte[] data = new byte[100];
        Arrays.fill(data, (byte) 'a');
        data[0] = 0;
        data[1] = (byte) 0xff;
        data[2] = '"';
        data[3] = '\r';
        KindlingEvent e = event("read", Category.NET, 0, CURL);
        e.addAttribute(Attribute.ofBytes("data", data));
        e.addAttribute(Attribute.ofBytes("empty", new byte[0]));
        assertEquals("22:13:20.123456789 curl 4021/4022 < read net data=\"\\x00\\xff\\\"\\r" + "a".repeat(60)
                + "\"... empty=\"\"", ConsoleLineFormatter.format(e));
    }

    @Test
    void timeIsUtcTimeOfDay() {
        StringBuilder b = new StringBuilder();
        ConsoleLineFormatter.appendTime(b, 86_399_999_999_999L);
        assertEquals("23:59:59.999999999", b.toString());
        b.setLength(0);
        ConsoleLineFormatter.appendTime(b, -1);
        assertEquals("23:59:59.999999999", b.toString());
        b.setLength(0);
        ConsoleLineFormatter.appendTime(b, 3_600_000_000_007L);
        assertEquals("01:00:00.000000007", b.toString());
    }
}

package io.kindling.probe.sink.jsonl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonEventWriterTest {

    private static final long TS = 1_700_000_000_123_456_789L;
    private static final ThreadContext CAT = new ThreadContext(100, 101, 0, 0, "cat", "");

    private static String write(KindlingEvent... events) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonEventWriter writer = new JsonEventWriter(out)) {
            for (KindlingEvent e : events) {
                writer.write(e);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void fileEvent() throws IOException {
        KindlingEvent e = new KindlingEvent("read", Category.FILE, Source.SYSCALL_EXIT, TS, 2500, CAT);
        e.setFd(new FdContext(3, FdType.FILE).file("passwd", "/etc"));
        e.addAttribute(Attribute.ofLong("res", ValueType.INT64, 11));
        e.addAttribute(Attribute.ofBytes("data", "root:x:0:0\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("{\"name\":\"read\",\"category\":\"file\",\"source\":\"syscall_exit\","
                + "\"timestamp\":1700000000123456789,\"latency\":2500,"
                + "\"thread\":{\"pid\":100,\"tid\":101,\"uid\":0,\"gid\":0,\"comm\":\"cat\",\"container_id\":\"\"},"
                + "\"fd\":{\"num\":3,\"type\":\"file\",\"filename\":\"passwd\",\"directory\":\"/etc\"},"
                + "\"attributes\":{\"res\":11,\"data\":\"cm9vdDp4OjA6MAo=\"}}\n", write(e));
    }

    @Test
    void aContainersThreadHasItsNamespaceIdsAndTheContainerObject() throws IOException {
        ThreadContext t = new ThreadContext(4711, 4712, 0, 0, "nginx", "4f1d2c3b5a69", 1, 7);
        KindlingEvent e = new KindlingEvent("write", Category.FILE, Source.SYSCALL_EXIT, TS, 10, t);
        e.setContainer(new io.kindling.probe.api.ContainerContext("4f1d2c3b5a69", "k8s_web", "nginx:1.25", "web-0", "shop",
                "u-1", "web"));
        KindlingEvent idOnly = new KindlingEvent("write", Category.FILE, Source.SYSCALL_EXIT, TS, 10, t);
        idOnly.setContainer(io.kindling.probe.api.ContainerContext.ofId("4f1d2c3b5a69"));
        String head = "{\"name\":\"write\",\"category\":\"file\",\"source\":\"syscall_exit\","
                + "\"timestamp\":1700000000123456789,\"latency\":10,"
                + "\"thread\":{\"pid\":4711,\"tid\":4712,\"uid\":0,\"gid\":0,\"comm\":\"nginx\",\"container_id\":\"4f1d2c3b5a69\","
                + "\"vpid\":1,\"vtid\":7},";
        assertEquals(head + "\"container\":{\"id\":\"4f1d2c3b5a69\",\"name\":\"k8s_web\",\"image\":\"nginx:1.25\","
                + "\"pod_name\":\"web-0\",\"pod_namespace\":\"shop\",\"pod_uid\":\"u-1\",\"pod_container\":\"web\"},"
                + "\"attributes\":{}}\n"
                + head + "\"container\":{\"id\":\"4f1d2c3b5a69\"},\"attributes\":{}}\n", write(e, idOnly));
    }

    @Test
    void socketsClientServerAndUnix() throws IOException {
        KindlingEvent v6 = new KindlingEvent("sendto", Category.NET, Source.SYSCALL_EXIT, TS, 0, CAT);
        v6.setFd(new FdContext(3, FdType.IPV6_SOCK).socket(L4Protocol.UDP, false,
                "2600:1f18:262c:6542:9aa6:df7a:9a47:d29e", 40251, "2001:4860:4860::8888", 53));
        KindlingEvent server = new KindlingEvent("accept", Category.NET, Source.SYSCALL_EXIT, TS, 0, CAT);
        server.setFd(new FdContext(7, FdType.IPV4_SERVSOCK).socket(L4Protocol.TCP, true, "0.0.0.0", 0, "127.0.0.1", 8080));
        KindlingEvent unix = new KindlingEvent("write", Category.IPC, Source.SYSCALL_EXIT, TS, 0, CAT);
        unix.setFd(new FdContext(4, FdType.UNIX_SOCK).unix(0xffff9b1c5a3e4400L, 0));
        String head = "{\"name\":\"%s\",\"category\":\"%s\",\"source\":\"syscall_exit\",\"timestamp\":1700000000123456789,\"latency\":0,"
                + "\"thread\":{\"pid\":100,\"tid\":101,\"uid\":0,\"gid\":0,\"comm\":\"cat\",\"container_id\":\"\"},";
        assertEquals(head.formatted("sendto", "net")
                        + "\"fd\":{\"num\":3,\"type\":\"ipv6\",\"protocol\":\"udp\",\"role\":\"client\","
                        + "\"sip\":\"2600:1f18:262c:6542:9aa6:df7a:9a47:d29e\",\"sport\":40251,\"dip\":\"2001:4860:4860::8888\",\"dport\":53},"
                        + "\"attributes\":{}}\n"
                        + head.formatted("accept", "net")
                        + "\"fd\":{\"num\":7,\"type\":\"ipv4_server\",\"protocol\":\"tcp\",\"role\":\"server\","
                        + "\"sip\":\"0.0.0.0\",\"sport\":0,\"dip\":\"127.0.0.1\",\"dport\":8080},"
                        + "\"attributes\":{}}\n"
                        + head.formatted("write", "ipc")
                        + "\"fd\":{\"num\":4,\"type\":\"unix\",\"source\":18446633144808260608,\"destination\":0},"
                        + "\"attributes\":{}}\n",
                write(v6, server, unix));
    }

    @Test
    void withoutThreadAndFd() throws IOException {
        KindlingEvent e = new KindlingEvent("switch", Category.SCHEDULER, Source.TRACEPOINT, 5, 0, null);
        assertEquals("{\"name\":\"switch\",\"category\":\"scheduler\",\"source\":\"tracepoint\","
                + "\"timestamp\":5,\"latency\":0,\"attributes\":{}}\n", write(e));
    }

    @Test
    void attributeValuesByType() throws IOException {
        KindlingEvent e = new KindlingEvent("read", Category.FILE, Source.SYSCALL_EXIT, TS, 0, CAT);
        e.addAttribute(Attribute.ofLong("u64", ValueType.UINT64, -1L));
        e.addAttribute(Attribute.ofLong("u64small", ValueType.UINT64, 42));
        e.addAttribute(Attribute.ofLong("u32", ValueType.UINT32, -1L));
        e.addAttribute(Attribute.ofLong("u16", ValueType.UINT16, -1L));
        e.addAttribute(Attribute.ofLong("u8", ValueType.UINT8, 0x1ff));
        e.addAttribute(Attribute.ofLong("i8", ValueType.INT8, 0xff));
        e.addAttribute(Attribute.ofLong("i16", ValueType.INT16, 0x8000));
        e.addAttribute(Attribute.ofLong("i32", ValueType.INT32, -2));
        e.addAttribute(Attribute.ofLong("i64", ValueType.INT64, Long.MIN_VALUE));
        e.addAttribute(new Attribute("f", ValueType.FLOAT, 0.1d));
        e.addAttribute(new Attribute("d", ValueType.DOUBLE, 2.5d));
        e.addAttribute(new Attribute("b", ValueType.BOOL, true));
        e.addAttribute(Attribute.ofString("s", "a \"quoted\" \u00e9\n"));
        e.addAttribute(Attribute.ofBytes("bytes", new byte[] {0, (byte) 0xff, (byte) 0xfe, 'a'}));
        e.addAttribute(Attribute.ofBytes("empty", new byte[0]));
        String line = write(e);
        assertEquals("\"attributes\":{\"u64\":18446744073709551615,\"u64small\":42,\"u32\":4294967295,\"u16\":65535,"
                + "\"u8\":255,\"i8\":-1,\"i16\":-32768,\"i32\":-2,\"i64\":-9223372036854775808,\"f\":0.1,\"d\":2.5,\"b\":true,"
                + "\"s\":\"a \\\"quoted\\\" \u00e9\\n\",\"bytes\":\"AP/+YQ==\",\"empty\":\"\"}}\n",
                line.substring(line.indexOf("\"attributes\"")));
    }

    /** Reads the output back with Jackson's parser: one valid object a line, values as written. */
    @Test
    void parsesBack() throws IOException {
        byte[] data = new byte[300];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        KindlingEvent first = new KindlingEvent("read", Category.NET, Source.SYSCALL_EXIT, TS, 7, CAT);
        first.setFd(new FdContext(5, FdType.IPV4_SOCK).socket(L4Protocol.TCP, false, "10.0.0.1", 40000, "10.0.0.2", 80));
        first.addAttribute(Attribute.ofBytes("data", data));
        first.addAttribute(Attribute.ofLong("size", ValueType.UINT64, 0x8000_0000_0000_0001L));
        KindlingEvent second = new KindlingEvent("close", Category.FILE, Source.SYSCALL_EXIT, TS + 1, 0,
                new ThreadContext(1, 2, 3, 4, "n\u00f6de", "abc123"));
        String text = write(first, second, first);
        String[] lines = text.split("\n", -1);
        assertEquals(4, lines.length);
        assertEquals("", lines[3]);

        JsonFactory factory = new JsonFactory();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (JsonParser p = factory.createParser(lines[i])) {
                assertEquals(JsonToken.START_OBJECT, p.nextToken());
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "name" -> names.add(p.getText());
                        case "timestamp" -> assertEquals(i == 1 ? TS + 1 : TS, p.getLongValue());
                        case "thread" -> {
                            if (i == 1) {
                                readThread(p);
                            } else {
                                p.skipChildren();
                            }
                        }
                        case "attributes" -> {
                            if (i == 1) {
                                assertEquals(JsonToken.END_OBJECT, p.nextToken());
                            } else {
                                assertEquals("data", p.nextFieldName());
                                p.nextToken();
                                assertArrayEquals(data, Base64.getDecoder().decode(p.getText()), "standard base64");
                                assertArrayEquals(data, p.getBinaryValue());
                                assertEquals("size", p.nextFieldName());
                                assertEquals(JsonToken.VALUE_NUMBER_INT, p.nextToken());
                                assertEquals(new BigInteger("9223372036854775809"), p.getBigIntegerValue());
                                assertEquals(JsonToken.END_OBJECT, p.nextToken());
                            }
                        }
                        case "fd" -> {
                            if (i == 1) {
                                throw new AssertionError("no fd expected");
                            }
                            p.skipChildren();
                        }
                        default -> p.skipChildren();
                    }
                }
                assertNull(p.nextToken(), "one object a line");
            }
        }
        assertEquals(List.of("read", "close", "read"), names);
    }

    private static void readThread(JsonParser p) throws IOException {
        assertEquals("pid", p.nextFieldName());
        assertEquals(1, p.nextLongValue(-1));
        assertEquals("tid", p.nextFieldName());
        assertEquals(2, p.nextLongValue(-1));
        assertEquals("uid", p.nextFieldName());
        assertEquals(3, p.nextLongValue(-1));
        assertEquals("gid", p.nextFieldName());
        assertEquals(4, p.nextLongValue(-1));
        assertEquals("comm", p.nextFieldName());
        assertEquals("n\u00f6de", p.nextTextValue());
        assertEquals("container_id", p.nextFieldName());
        assertEquals("abc123", p.nextTextValue());
        assertEquals(JsonToken.END_OBJECT, p.nextToken());
    }
}

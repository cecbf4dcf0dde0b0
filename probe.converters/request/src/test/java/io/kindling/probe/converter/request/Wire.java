package io.kindling.probe.converter.request;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.converter.request.dns.DnsParser;
import io.kindling.probe.converter.request.http.HttpParser;
import io.kindling.probe.converter.request.kafka.KafkaParser;
import io.kindling.probe.converter.request.mysql.MysqlParser;
import io.kindling.probe.converter.request.pgsql.PgsqlParser;
import io.kindling.probe.converter.request.redis.RedisParser;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import io.kindling.probe.testing.TestRawEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A converter with every parser, fed with the raw events of one process's socket: writes and reads with their
 * data, cut at a snaplen as a capture cuts them, at a clock that the test moves.
 */
final class Wire {
    final RequestConverter converter;
    final List<KindlingEvent> emitted = new ArrayList<>();
    long now = 1_700_000_000_000_000_000L;
    int snaplen = 1024;
    long pid = 4000;
    long fd = 7;
    boolean server;
    L4Protocol l4 = L4Protocol.TCP;
    int clientPort = 40000;
    int serverPort = 8080;

    Wire() {
        this(RequestConverter.withDefaults());
    }

    Wire(RequestConverter converter) {
        this.converter = converter;
        int rank = 100;
        for (ProtocolParser p : List.of(new HttpParser(), new RedisParser(), new KafkaParser(), new PgsqlParser(),
                new MysqlParser(), new DnsParser())) {
            converter.addParser(p, Map.of("service.ranking", rank--));
        }
    }

    Wire server(boolean server) {
        this.server = server;
        return this;
    }

    /** This process writes {@code bytes} in one call that took {@code micros}. */
    Wire write(byte[] bytes, long micros) {
        return io("syscall_exit-write", bytes, bytes.length, micros);
    }

    Wire write(String text, long micros) {
        return write(text.getBytes(StandardCharsets.ISO_8859_1), micros);
    }

    Wire read(byte[] bytes, long micros) {
        return io("syscall_exit-read", bytes, bytes.length, micros);
    }

    Wire read(String text, long micros) {
        return read(text.getBytes(StandardCharsets.ISO_8859_1), micros);
    }

    Wire io(String name, byte[] bytes, long res, long micros) {
        now += micros * 1000;
        byte[] kept = Arrays.copyOf(bytes, Math.min(bytes.length, snaplen));
        observe(base(name).latency(micros * 1000).param("res", 2, ValueType.INT64, 8, res)
                .param("data", 9, ValueType.BYTEBUF, kept));
        return this;
    }

    Wire sendto(String name, byte[] bytes, long micros) {
        return io(name, bytes, bytes.length, micros);
    }

    /**
     * A datagram this process reads ({@code inbound}: its tuple from the peer to this socket) or sends (from this
     * socket to the peer), the peer on 127.0.0.1 at {@code peerPort}. As in a capture, only a receive's exit
     * carries the tuple; a send's is in its enter event, from which libsinsp sets the socket's addresses (client
     * first) that the exit event then shows, as a receive's tuple does.
     */
    Wire datagram(String name, byte[] bytes, long micros, int peerPort, boolean inbound) {
        now += micros * 1000;
        int local = server ? serverPort : clientPort;
        byte[] lo = {127, 0, 0, 1};
        TestRawEvent e = base(name).latency(micros * 1000).param("res", 2, ValueType.INT64, 8, bytes.length)
                .param("data", 9, ValueType.BYTEBUF, Arrays.copyOf(bytes, Math.min(bytes.length, snaplen)))
                .socket(l4, server, lo, server ? peerPort : local, lo, server ? local : peerPort);
        if (inbound) {
            java.nio.ByteBuffer t = java.nio.ByteBuffer.allocate(13).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            t.put((byte) 2).put(lo).putShort((short) peerPort).put(lo).putShort((short) local);
            e.param("tuple", 20, ValueType.BYTEBUF, t.array());
        }
        observe(e);
        return this;
    }

    Wire close() {
        now += 1000;
        observe(base("syscall_enter-close").param("fd", 3, ValueType.INT64, 8, fd));
        return this;
    }

    Wire connectFailed(long errno) {
        now += 1000;
        observe(base("syscall_exit-connect").latency(1000).param("res", 2, ValueType.INT64, 8, errno));
        return this;
    }

    Wire idle(long seconds) {
        now += seconds * 1_000_000_000L;
        return this;
    }

    /** Any event, to let the converter see the time go by. */
    Wire tick() {
        observe(new TestRawEvent().name("syscall_exit-read", Category.FILE, Source.SYSCALL_EXIT).timestamp(now));
        return this;
    }

    private TestRawEvent base(String name) {
        byte[] lo = {127, 0, 0, 1};
        return new TestRawEvent().name(name, Category.NET, name.startsWith("syscall_enter") ? Source.SYSCALL_ENTER : Source.SYSCALL_EXIT)
                .timestamp(now).thread(pid, pid + 1, 0, 0, server ? "server" : "client", "").fd(fd, FdType.IPV4_SOCK, "")
                .socket(l4, server, lo, clientPort, lo, serverPort);
    }

    private void observe(TestRawEvent raw) {
        converter.observe(raw, emitted::add);
    }

    List<KindlingEvent> end() {
        converter.end(emitted::add);
        return emitted;
    }

    static Object attr(KindlingEvent e, String key) {
        Attribute a = e.attribute(key);
        return a == null ? null : a.value();
    }
}

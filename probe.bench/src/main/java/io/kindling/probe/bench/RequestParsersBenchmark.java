package io.kindling.probe.bench;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.converter.request.RequestConverter;
import io.kindling.probe.converter.request.dns.DnsParser;
import io.kindling.probe.converter.request.http.HttpParser;
import io.kindling.probe.converter.request.http2.Http2Parser;
import io.kindling.probe.converter.request.kafka.KafkaParser;
import io.kindling.probe.converter.request.mysql.MysqlParser;
import io.kindling.probe.converter.request.pgsql.PgsqlParser;
import io.kindling.probe.converter.request.redis.RedisParser;
import io.kindling.probe.testing.TestRawEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The request converter's cost per request analysed, client side, one benchmark a protocol: an HTTP/1.1 keep-alive
 * exchange, a DNS query and its answer over UDP, a MySQL statement and its OK, a PostgreSQL simple query and its
 * completion, a Redis GET and its bulk reply, a Kafka Produce and its response, and a gRPC unary call over HTTP/2
 * (request HEADERS and DATA in one write, response HEADERS, DATA and trailers in one read). Each is a write and a read
 * event through a converter that has every parser (ranked as their bundles rank them) to its {@code net_request}, on
 * a connection whose protocol is already known. One operation is one request; run with {@code -prof gc} for the bytes
 * allocated per request, and compare the protocols in one run.
 */
public class RequestParsersBenchmark extends BenchmarkDefaults {
    private Exchange http1;
    private Exchange http2;
    private Exchange dns;
    private Exchange mysql;
    private Exchange pgsql;
    private Exchange redis;
    private Exchange kafka;
    private Blackhole hole;

    /** A converter with every parser and one connection's request and response events. */
    static final class Exchange {
        final RequestConverter converter = RequestConverter.withDefaults();
        final TestRawEvent request;
        final TestRawEvent response;

        Exchange(L4Protocol l4, int port, String write, byte[] request, String read, byte[] response) {
            converter.addParser(new HttpParser(), Map.of("service.ranking", 100));
            converter.addParser(new RedisParser(), Map.of("service.ranking", 60));
            converter.addParser(new KafkaParser(), Map.of("service.ranking", 50));
            converter.addParser(new PgsqlParser(), Map.of("service.ranking", 46));
            converter.addParser(new MysqlParser(), Map.of("service.ranking", 45));
            converter.addParser(new DnsParser(), Map.of("service.ranking", 40));
            converter.addParser(new Http2Parser(), Map.of("service.ranking", 10));
            this.request = io(write, l4, port, request);
            this.response = io(read, l4, port, response);
        }

        /** One exchange first: the protocol is found, and it must give one request of that protocol. */
        Exchange check(String protocol) {
            List<KindlingEvent> out = new ArrayList<>();
            run(out::add);
            if (out.size() != 1 || !protocol.equals(out.get(0).attribute("protocol").value())) {
                throw new IllegalStateException(protocol + ": the exchange gave " + out);
            }
            return this;
        }

        void run(EventEmitter emitter) {
            converter.observe(request, emitter);
            converter.observe(response, emitter);
        }
    }

    @Setup
    public void setUp(Blackhole blackhole) {
        hole = blackhole;
        Map<String, Exchange> all = exchanges();
        http1 = all.get("http");
        dns = all.get("dns");
        mysql = all.get("mysql");
        pgsql = all.get("pgsql");
        redis = all.get("redis");
        kafka = all.get("kafka");
        http2 = all.get("grpc");
    }

    /** One exchange a protocol, by the protocol its requests have, each checked once. */
    static Map<String, Exchange> exchanges() {
        Map<String, Exchange> all = new LinkedHashMap<>();
        all.put("http", new Exchange(L4Protocol.TCP, 8080, "syscall_exit-write", ascii("GET /users/42/orders HTTP/1.1\r\nHost: shop:8080\r\n"
                + "User-Agent: bench/1\r\nAccept: */*\r\n\r\n"), "syscall_exit-read", ascii("HTTP/1.1 200 OK\r\nServer: bench\r\n"
                + "Content-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"orders\":[1,2,3],\"ok\":true}")));
        all.put("dns", new Exchange(L4Protocol.UDP, 53, "syscall_exit-sendto", dns(false, "api.shop.example.com"), "syscall_exit-recvfrom",
                dns(true, "api.shop.example.com")));
        all.put("mysql", new Exchange(L4Protocol.TCP, 3306, "syscall_exit-write",
                mysqlPacket(0, concat(new byte[] {3}, ascii("update users set name = 'eve' where id = 42"))), "syscall_exit-read",
                mysqlPacket(1, new byte[] {0, 1, 0, 2, 0, 0, 0})));
        all.put("pgsql", new Exchange(L4Protocol.TCP, 5432, "syscall_exit-write", pg('Q', ascii("update users set name = 'eve' where id = 42\0")),
                "syscall_exit-read", concat(pg('C', ascii("UPDATE 1\0")), pg('Z', new byte[] {'I'}))));
        all.put("redis", new Exchange(L4Protocol.TCP, 6379, "syscall_exit-write", ascii("*2\r\n$3\r\nGET\r\n$8\r\nuser:421\r\n"),
                "syscall_exit-read", ascii("$5\r\nalice\r\n")));
        all.put("kafka", new Exchange(L4Protocol.TCP, 9092, "syscall_exit-write", kafkaProduceV9("orders"), "syscall_exit-read",
                kafkaProduceResponseV9("orders")));
        // the connection's preface first, then every call on stream 1 (ended each time: a new stream of the same id)
        byte[] request = frames(frame(1, 0x4, literal(":path", "/shop.Orders/List", literal(":method", "POST",
                literal("content-type", "application/grpc", literal("te", "trailers", new byte[0]))))), frame(0, 0x1, new byte[17]));
        byte[] response = frames(frame(1, 0x4, literal(":status", "200", literal("content-type", "application/grpc", new byte[0]))),
                frame(0, 0, new byte[32]), frame(1, 0x5, literal("grpc-status", "0", new byte[0])));
        Exchange http2 = new Exchange(L4Protocol.TCP, 8080, "syscall_exit-write", request, "syscall_exit-read", response);
        http2.converter.observe(io("syscall_exit-write", L4Protocol.TCP, 8080, frames(
                "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), frame(4, 0, new byte[0]))), e -> { });
        all.put("grpc", http2);
        all.forEach((protocol, exchange) -> exchange.check(protocol));
        return all;
    }

    @Benchmark
    public void http1Request() {
        http1.run(hole::consume);
    }

    @Benchmark
    public void dnsQuery() {
        dns.run(hole::consume);
    }

    @Benchmark
    public void mysqlStatement() {
        mysql.run(hole::consume);
    }

    @Benchmark
    public void pgsqlQuery() {
        pgsql.run(hole::consume);
    }

    @Benchmark
    public void redisCommand() {
        redis.run(hole::consume);
    }

    @Benchmark
    public void kafkaProduce() {
        kafka.run(hole::consume);
    }

    @Benchmark
    public void grpcCallOverHttp2() {
        http2.run(hole::consume);
    }

    private static TestRawEvent io(String name, L4Protocol l4, int port, byte[] data) {
        byte[] lo = {127, 0, 0, 1};
        return new TestRawEvent().name(name, Category.NET, Source.SYSCALL_EXIT).timestamp(1_700_000_000_000_000_000L)
                .thread(10, 11, 0, 0, "client", "").fd(7, FdType.IPV4_SOCK, "").socket(l4, false, lo, 40000, lo, port)
                .latency(1000).param("res", 2, ValueType.INT64, 8, (long) data.length).param("data", 9, ValueType.BYTEBUF, data);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A DNS query for an A record (id 4242), or its answer with one address. */
    private static byte[] dns(boolean answer, String name) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) 4242).putShort((short) (answer ? 0x8180 : 0x0100)).putShort((short) 1).putShort((short) (answer ? 1 : 0))
                .putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            b.put((byte) label.length()).put(ascii(label));
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        if (answer) {
            b.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(60).putShort((short) 4).put(new byte[] {10, 0, 0, 1});
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    private static byte[] mysqlPacket(int seq, byte[] payload) {
        return concat(new byte[] {(byte) payload.length, (byte) (payload.length >> 8), (byte) (payload.length >> 16), (byte) seq}, payload);
    }

    private static byte[] pg(char type, byte[] body) {
        return concat(new byte[] {(byte) type}, ByteBuffer.allocate(4).putInt(body.length + 4).array(), body);
    }

    /** Produce v9 (acks 1, one topic, one partition, an empty record set) with correlation id 7. */
    private static byte[] kafkaProduceV9(String topic) {
        ByteBuffer b = ByteBuffer.allocate(256);
        b.putInt(0).putShort((short) 0).putShort((short) 9).putInt(7).putShort((short) 10).put(ascii("producer-1")).put((byte) 0);
        b.put((byte) 0).putShort((short) 1).putInt(30000).put((byte) 2).put((byte) (topic.length() + 1)).put(ascii(topic)).put(new byte[20]);
        b.putInt(0, b.position() - 4);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static byte[] kafkaProduceResponseV9(String topic) {
        ByteBuffer b = ByteBuffer.allocate(256);
        b.putInt(0).putInt(7).put((byte) 0).put((byte) 2).put((byte) (topic.length() + 1)).put(ascii(topic)).put((byte) 2).putInt(0)
                .putShort((short) 0).put(new byte[12]);
        b.putInt(0, b.position() - 4);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static byte[] concat(byte[]... parts) {
        return frames(parts);
    }

    private static byte[] frame(int type, int flags, byte[] payload) {
        int n = payload.length;
        byte[] f = new byte[9 + n];
        f[0] = (byte) (n >> 16);
        f[1] = (byte) (n >> 8);
        f[2] = (byte) n;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[8] = 1;
        System.arraycopy(payload, 0, f, 9, n);
        return f;
    }

    private static byte[] frames(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    /** A literal header field without indexing, new name, before {@code rest}. */
    private static byte[] literal(String name, String value, byte[] rest) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        return frames(new byte[] {0, (byte) n.length}, n, new byte[] {(byte) v.length}, v, rest);
    }
}

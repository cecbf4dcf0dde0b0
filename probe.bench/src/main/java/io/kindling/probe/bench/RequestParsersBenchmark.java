package io.kindling.probe.bench;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.converter.request.RequestConverter;
import io.kindling.probe.converter.request.http.HttpParser;
import io.kindling.probe.converter.request.http2.Http2Parser;
import io.kindling.probe.testing.TestRawEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The request converter's cost per request, client side, for an HTTP/1.1 keep-alive exchange and for a gRPC
 * unary call over HTTP/2 (request HEADERS and DATA in one write, response HEADERS, DATA and trailers in one
 * read), each a write and a read event through the converter to its {@code net_request}. One operation is one
 * request; compare the two in one run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestParsersBenchmark {
    private RequestConverter http1;
    private RequestConverter http2;
    private TestRawEvent http1Write;
    private TestRawEvent http1Read;
    private TestRawEvent http2Write;
    private TestRawEvent http2Read;
    private Blackhole hole;

    @Setup
    public void setUp(Blackhole blackhole) {
        hole = blackhole;
        http1 = RequestConverter.withDefaults();
        http1.addParser(new HttpParser(), Map.of("service.ranking", 100));
        http2 = RequestConverter.withDefaults();
        http2.addParser(new HttpParser(), Map.of("service.ranking", 100));
        http2.addParser(new Http2Parser(), Map.of("service.ranking", 10));
        http1Write = io("syscall_exit-write", ("GET /users/42/orders HTTP/1.1\r\nHost: shop:8080\r\nUser-Agent: bench/1\r\n"
                + "Accept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        http1Read = io("syscall_exit-read", ("HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/json\r\n"
                + "Content-Length: 27\r\n\r\n{\"orders\":[1,2,3],\"ok\":true}").getBytes(StandardCharsets.US_ASCII));
        // the connection's preface first, then every call on stream 1 (ended each time: a new stream of the same id)
        byte[] request = frames(frame(1, 0x4, literal(":path", "/shop.Orders/List", literal(":method", "POST",
                literal("content-type", "application/grpc", literal("te", "trailers", new byte[0]))))), frame(0, 0x1, new byte[17]));
        byte[] response = frames(frame(1, 0x4, literal(":status", "200", literal("content-type", "application/grpc", new byte[0]))),
                frame(0, 0, new byte[32]), frame(1, 0x5, literal("grpc-status", "0", new byte[0])));
        http2Write = io("syscall_exit-write", request);
        http2Read = io("syscall_exit-read", response);
        EventEmitter e = ev -> { };
        http2.observe(io("syscall_exit-write", frames("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                frame(4, 0, new byte[0]))), e);
    }

    @Benchmark
    public void http1Request() {
        http1.observe(http1Write, hole::consume);
        http1.observe(http1Read, hole::consume);
    }

    @Benchmark
    public void grpcCallOverHttp2() {
        http2.observe(http2Write, hole::consume);
        http2.observe(http2Read, hole::consume);
    }

    private static TestRawEvent io(String name, byte[] data) {
        byte[] lo = {127, 0, 0, 1};
        return new TestRawEvent().name(name, Category.NET, Source.SYSCALL_EXIT).timestamp(1_700_000_000_000_000_000L)
                .thread(10, 11, 0, 0, "client", "").fd(7, FdType.IPV4_SOCK, "").socket(L4Protocol.TCP, false, lo, 40000, lo, 8080)
                .latency(1000).param("res", 2, ValueType.INT64, 8, (long) data.length).param("data", 9, ValueType.BYTEBUF, data);
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

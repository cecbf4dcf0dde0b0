package io.kindling.probe.converter.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.converter.request.http.HttpParser;
import io.kindling.probe.converter.request.http2.Http2Parser;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** HTTP/2 and gRPC through the request converter: streams paired by id, trailers, resets, a table joined late, fuzz. */
class Http2RequestTest {
    static final int GET = 2;
    static final int POST = 3;
    static final int HTTP = 6;
    static final int STATUS_200 = 8;
    static final int STATUS_404 = 13;

    static Wire wire(boolean server) {
        Wire w = new Wire().server(server);
        w.converter.addParser(new Http2Parser(), Map.of("service.ranking", 10));
        return w;
    }

    static Object attr(KindlingEvent e, String key) {
        var a = e.attribute(key);
        return a == null ? null : a.value();
    }

    @Test
    void concurrentStreamsClientSidePairByStreamIdWithTimingsAndBytes() {
        Wire w = wire(false);
        byte[] req1 = H2.block(GET, HTTP, "+:path=/a/1", "+:authority=localhost");
        byte[] req3 = H2.block(GET, HTTP, "+:path=/b?q=1", 63); // 63: the authority, added by the first request
        w.write(H2.bytes().preface().headers(1, true, req1).get(), 20);
        w.write(H2.bytes().headers(3, true, req3).get(), 10);
        w.read(H2.bytes().settings().settings().get(), 5);
        // the second stream is answered first
        w.read(H2.bytes().headers(3, false, H2.block(STATUS_404)).data(3, true, 100).get(), 1000);
        w.read(H2.bytes().headers(1, false, H2.block(STATUS_200, "+content-type=text/plain")).data(1, false, 500).get(), 2000);
        w.read(H2.bytes().data(1, true, 50).get(), 3000);
        assertEquals(2, w.emitted.size());
        KindlingEvent b = w.emitted.get(0);
        KindlingEvent a = w.emitted.get(1);
        assertEquals("http2", attr(a, "protocol"));
        assertEquals("GET", attr(a, "http_method"));
        assertEquals("/a/1", attr(a, "http_url"));
        assertEquals("/a/*", attr(a, "content_key"));
        assertEquals(200L, attr(a, "http_status_code"));
        assertEquals(false, attr(a, "is_error"));
        assertEquals(false, attr(a, "http2_headers_unknown"));
        assertEquals("/b", attr(b, "http_url"));
        assertEquals(404L, attr(b, "http_status_code"));
        assertEquals(true, attr(b, "is_error"));
        assertEquals(9L + req3.length, attr(b, "request_io"));
        assertEquals(9L + 1 + 9 + 100, attr(b, "response_io"));
        long headers = 9 + H2.block(STATUS_200, "+content-type=text/plain").length;
        assertEquals(headers + 9 + 500 + 9 + 50, attr(a, "response_io"));
        // stream 1: written at t=20us (its write took 20us), answered over the reads at +1000+2000 and +3000 us
        assertEquals(20_000L, attr(a, "request_sent_time"));
        assertEquals(3000_000L, attr(a, "content_download_time"));
        assertEquals(0L, w.converter.statistics().get("http2_unknown_header_refs"));
    }

    /** The component's configuration: the HTTP parser's. */
    static Http2Parser configured(String clustering, boolean keepQuery) {
        HttpParser.Config http = new HttpParser.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return HttpParser.Config.class;
            }

            @Override
            public String url_clustering_method() {
                return clustering;
            }

            @Override
            public boolean keep_query() {
                return keepQuery;
            }

            @Override
            public int http2_max_streams() {
                return 256;
            }

            @Override
            public int http2_max_header_block() {
                return 16384;
            }
        };
        return new Http2Parser(http);
    }

    @Test
    void theUrlSettingsAreTheHttpParsers() {
        Wire w = new Wire().server(false);
        w.converter.addParser(configured("noparam", true), Map.of("service.ranking", 10));
        w.write(H2.bytes().preface().headers(1, true, H2.block(GET, HTTP, "+:path=/a/1?user=42")).get(), 10);
        w.read(H2.bytes().headers(1, true, H2.block(STATUS_200)).get(), 10);
        assertEquals(1, w.emitted.size());
        assertEquals("/a/1?user=42", attr(w.emitted.get(0), "http_url"));
        assertEquals("/a/1", attr(w.emitted.get(0), "content_key"));
    }

    static final byte[] UPGRADE_REQUEST = ("GET /up/1?x=1 HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final byte[] SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** An HTTP/1.1 request with Upgrade: h2c, the 101, and HTTP/2 after it: the request is stream 1, answered in HTTP/2. */
    @Test
    void anUpgradeToH2cMakesTheRequestStreamOneAndTheRestHttp2() {
        for (boolean server : List.of(false, true)) {
            Wire w = new Wire().server(server);
            w.converter.addParser(new HttpParser(), Map.of("service.ranking", 100));
            w.converter.addParser(new Http2Parser(), Map.of("service.ranking", 10));
            // the client's bytes are the server's reads, the server's its writes
            java.util.function.BiConsumer<byte[], Integer> fromClient = server ? (b, us) -> w.read(b, us) : (b, us) -> w.write(b, us);
            java.util.function.BiConsumer<byte[], Integer> fromServer = server ? (b, us) -> w.write(b, us) : (b, us) -> w.read(b, us);
            fromClient.accept(UPGRADE_REQUEST, 10);
            // the 101 and the server's first frames in one call
            fromServer.accept(concat(SWITCHING, H2.bytes().settings().get()), 20);
            fromClient.accept(H2.bytes().preface().settings().get(), 5);
            fromServer.accept(H2.bytes().headers(1, false, H2.block(STATUS_200, "+content-type=text/plain")).data(1, true, 300).get(), 30);
            fromClient.accept(H2.bytes().headers(3, true, H2.block(GET, HTTP, "+:path=/second")).get(), 5);
            fromServer.accept(H2.bytes().headers(3, true, H2.block(STATUS_404)).get(), 10);
            assertEquals(2, w.emitted.size(), "side " + server);
            KindlingEvent up = w.emitted.get(0);
            assertEquals("http2", attr(up, "protocol"));
            assertEquals("GET", attr(up, "http_method"));
            assertEquals("/up/1", attr(up, "http_url"));
            assertEquals(200L, attr(up, "http_status_code"));
            assertEquals(false, attr(up, "http2_headers_unknown"));
            assertEquals((long) UPGRADE_REQUEST.length, attr(up, "request_io"));
            assertEquals(server, attr(up, "is_server"));
            KindlingEvent second = w.emitted.get(1);
            assertEquals("/second", attr(second, "http_url"));
            assertEquals(404L, attr(second, "http_status_code"));
            assertEquals(false, attr(second, "http2_headers_unknown"));
            assertEquals(1L, w.converter.statistics().get("http2_upgrades"));
            assertEquals(1L, w.converter.statistics().get("protocol_upgrades"));
        }
    }

    /** A 101 to another protocol than h2c (a WebSocket) stays an HTTP/1.1 request answered 101. */
    @Test
    void anUpgradeToAnotherProtocolStaysHttp() {
        Wire w = new Wire().server(false);
        w.converter.addParser(new HttpParser(), Map.of("service.ranking", 100));
        w.converter.addParser(new Http2Parser(), Map.of("service.ranking", 10));
        w.write("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII), 10);
        w.read("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII), 10);
        assertEquals(1, w.emitted.size());
        assertEquals("http", attr(w.emitted.get(0), "protocol"));
        assertEquals(101L, attr(w.emitted.get(0), "http_status_code"));
        assertEquals(0L, w.converter.statistics().get("protocol_upgrades"));
    }

    /**
     * 50 concurrent gRPC calls flushed in one write (about 1.7 KiB, as grpc-java writes them): at 1024 bytes kept the
     * frames beyond are unseen, the table is lost and the calls after it cannot be named; at the converter's snaplen
     * every call is named.
     */
    @Test
    void aWriteOfManyConcurrentCallsIsReadWholeAtTheConvertersSnaplen() {
        for (int snaplen : new int[] {1024, RequestConverter.SNAPLEN}) {
            Wire w = wire(false);
            w.snaplen = snaplen;
            w.write(H2.bytes().preface().headers(1, false, H2.block(POST, HTTP, "+:path=/demo.Echo/Say", "+content-type=application/grpc"))
                    .data(1, true, 12).get(), 10);
            w.read(H2.bytes().settings().headers(1, false, H2.block(STATUS_200, "+content-type=application/grpc")).data(1, false, 12)
                    .headers(1, true, H2.block("grpc-status=0")).get(), 10);
            H2 burst = H2.bytes();
            for (int i = 0; i < 50; i++) {
                burst.headers(3 + 2 * i, false, H2.block(POST, HTTP, 63, 62)).data(3 + 2 * i, true, 12); // path, content type
            }
            byte[] calls = burst.get();
            assertTrue(calls.length > 1024 && calls.length <= RequestConverter.SNAPLEN, "one write of " + calls.length + " bytes");
            w.write(calls, 50);
            for (int from = 0; from < 50; from += 10) {
                H2 answers = H2.bytes();
                for (int i = from; i < from + 10; i++) {
                    answers.headers(3 + 2 * i, false, H2.block(STATUS_200, 62)).data(3 + 2 * i, false, 12)
                            .headers(3 + 2 * i, true, H2.block("grpc-status=0"));
                }
                w.read(answers.get(), 20);
            }
            assertEquals(51, w.emitted.size(), "snaplen " + snaplen);
            long named = w.emitted.stream().filter(e -> "/demo.Echo/Say".equals(attr(e, "http_url"))
                    && Boolean.FALSE.equals(attr(e, "http2_headers_unknown")) && Long.valueOf(0).equals(attr(e, "grpc_status"))).count();
            if (snaplen == 1024) {
                assertTrue(named < 51, "names lost beyond 1024 bytes: " + named);
            } else {
                assertEquals(51, named, "every call named at " + snaplen + " bytes");
            }
        }
    }

    @Test
    void grpcServerSideWithTrailersAndAnErrorStatus() {
        Wire w = wire(true);
        byte[] call = H2.block(POST, HTTP, "+:path=/demo.Echo/Say", "+content-type=application/grpc", "te=trailers");
        w.read(H2.bytes().preface().headers(1, false, call).data(1, true, 12).get(), 10);
        w.write(H2.bytes().settings().headers(1, false, H2.block(STATUS_200, "+content-type=application/grpc")).data(1, false, 20).get(), 30);
        w.write(H2.bytes().headers(1, true, H2.block("grpc-status=0")).get(), 5);
        byte[] call3 = H2.block(POST, HTTP, 63, 62); // path and content type from the table
        w.read(H2.bytes().headers(3, false, call3).data(3, true, 12).get(), 10);
        w.write(H2.bytes().headers(3, true, H2.block(STATUS_200, 62, "grpc-status=5", "grpc-message=not found")).get(), 30);
        assertEquals(2, w.emitted.size());
        KindlingEvent ok = w.emitted.get(0);
        assertEquals("grpc", attr(ok, "protocol"));
        assertEquals("demo.Echo", attr(ok, "grpc_service"));
        assertEquals("Say", attr(ok, "grpc_method"));
        assertEquals("/demo.Echo/Say", attr(ok, "content_key"));
        assertEquals(0L, attr(ok, "grpc_status"));
        assertEquals(false, attr(ok, "is_error"));
        assertEquals(true, attr(ok, "is_server"));
        KindlingEvent notFound = w.emitted.get(1);
        assertEquals("Say", attr(notFound, "grpc_method"));
        assertEquals(5L, attr(notFound, "grpc_status"));
        assertEquals(true, attr(notFound, "is_error"));
        assertEquals("NoError", attr(notFound, "error_type"));
    }

    @Test
    void aResetStreamWithoutResponseIsNoResponseWithItsCode() {
        Wire w = wire(false);
        w.write(H2.bytes().preface().headers(1, false, H2.block(POST, HTTP, ":path=/demo.Echo/Slow", "content-type=application/grpc")).data(1, true, 7).get(), 10);
        w.write(H2.bytes().rst(1, 8).get(), 10);
        assertEquals(1, w.emitted.size());
        KindlingEvent e = w.emitted.get(0);
        assertEquals("NoResponse", attr(e, "error_type"));
        assertEquals(8L, attr(e, "http2_reset_code"));
        assertEquals("grpc", attr(e, "protocol"));
        assertEquals("Slow", attr(e, "grpc_method"));
    }

    @Test
    void aConnectionOpenBeforeTheCaptureIsFlaggedNeverGuessedAndRecovers() {
        Wire w = wire(true);
        // no preface: the first request refers to the table built before the capture (62: its path)
        w.read(H2.bytes().headers(101, true, H2.block(GET, HTTP, 62, 63)).get(), 10);
        w.write(H2.bytes().headers(101, false, H2.block(STATUS_200)).data(101, true, 10).get(), 10);
        // the next request adds its path to the table: known from then on
        w.read(H2.bytes().headers(103, true, H2.block(GET, HTTP, "+:path=/fresh")).get(), 10);
        w.write(H2.bytes().headers(103, true, H2.block(STATUS_404)).get(), 10);
        w.read(H2.bytes().headers(105, true, H2.block(GET, HTTP, 62)).get(), 10);
        w.write(H2.bytes().headers(105, true, H2.block(STATUS_200)).get(), 10);
        assertEquals(3, w.emitted.size());
        KindlingEvent old = w.emitted.get(0);
        assertEquals("http2", attr(old, "protocol"));
        assertEquals("GET", attr(old, "http_method"));
        assertEquals("", attr(old, "http_url"), "a path in the unknown table is not guessed");
        assertEquals(true, attr(old, "http2_headers_unknown"));
        assertEquals(200L, attr(old, "http_status_code"));
        assertEquals("/fresh", attr(w.emitted.get(1), "http_url"));
        assertEquals(false, attr(w.emitted.get(1), "http2_headers_unknown"));
        assertEquals("/fresh", attr(w.emitted.get(2), "http_url"));
        assertEquals(false, attr(w.emitted.get(2), "http2_headers_unknown"));
        Map<String, Long> stats = w.converter.statistics();
        assertEquals(2L, stats.get("http2_unknown_header_refs"));
        assertEquals(1L, stats.get("http2_streams_with_unknown_headers"));
    }

    @Test
    void framesBeyondTheSnaplenAreSkippedByTheirLengthsAndALostPlaceIsFoundAgain() {
        Wire w = wire(false);
        w.write(H2.bytes().preface().headers(1, true, H2.block(GET, HTTP, "+:path=/big")).get(), 10);
        // a large response: its header and first DATA frame in one read, the rest's frame headers beyond the snaplen
        H2 big = H2.bytes().headers(1, false, H2.block(STATUS_200)).data(1, false, 16384).data(1, false, 16384).data(1, false, 16384);
        w.read(big.get(), 100);
        w.read(H2.bytes().data(1, true, 1000).get(), 100); // a new read starting on a frame: found again
        w.write(H2.bytes().headers(3, true, H2.block(GET, HTTP, "+:path=/after")).get(), 10);
        w.read(H2.bytes().headers(3, true, H2.block(STATUS_404)).get(), 10);
        assertEquals(2, w.emitted.size());
        assertEquals("/big", attr(w.emitted.get(0), "http_url"));
        assertEquals(200L, attr(w.emitted.get(0), "http_status_code"));
        assertEquals("/after", attr(w.emitted.get(1), "http_url"));
        assertEquals(404L, attr(w.emitted.get(1), "http_status_code"));
        Map<String, Long> stats = w.converter.statistics();
        assertEquals(1L, stats.get("http2_frame_sync_lost"));
        assertEquals(1L, stats.get("http2_frame_resyncs"));
    }

    @Test
    void aResponseToAnUnseenRequestIsCountedFlaggedAndALateFrameOfAReportedStreamIsNot() {
        Wire w = wire(false);
        w.write(H2.bytes().preface().headers(1, true, H2.block(GET, HTTP, ":path=/seen")).get(), 10);
        w.read(H2.bytes().headers(1, true, H2.block(STATUS_200)).get(), 10);
        // stream 3's request went by unseen; its response comes
        w.read(H2.bytes().headers(3, false, H2.block(STATUS_404)).data(3, true, 10).get(), 10);
        // a late frame of stream 1, already reported
        w.read(H2.bytes().headers(1, true, H2.block("grpc-status=0")).get(), 10);
        assertEquals(2, w.emitted.size());
        KindlingEvent unseen = w.emitted.get(1);
        assertEquals("", attr(unseen, "http_url"));
        assertEquals("", attr(unseen, "http_method"));
        assertEquals(404L, attr(unseen, "http_status_code"));
        assertEquals(true, attr(unseen, "http2_headers_unknown"));
        Map<String, Long> stats = w.converter.statistics();
        assertEquals(1L, stats.get("http2_responses_to_unseen_requests"));
        assertEquals(1L, stats.get("http2_unpaired_responses"));
    }

    @Test
    void closeReportsOpenStreamsAndStreamsAreBounded() {
        Wire w = wire(false);
        H2 many = H2.bytes().preface();
        for (int i = 0; i < 300; i++) {
            many.headers(1 + 2 * i, true, H2.block(GET, HTTP, ":path=/n"));
        }
        byte[] all = many.get();
        w.snaplen = all.length;
        w.write(all, 10);
        w.close();
        assertEquals(300, w.emitted.size());
        assertTrue(w.emitted.stream().allMatch(e -> "NoResponse".equals(attr(e, "error_type"))));
        assertEquals(44L, w.converter.statistics().get("http2_streams_evicted"));
    }

    @Test
    void fuzzedFramesAndHeaderBlocksNeverThrowAndStayBounded() {
        Random r = new Random(11);
        Wire w = wire(true);
        byte[] good = H2.bytes().headers(1, false, H2.block(POST, HTTP, "+:path=/demo.Echo/Say", "+content-type=application/grpc"))
                .data(1, true, 30).get();
        w.read(H2.bytes().preface().get(), 1);
        for (int i = 0; i < 100_000; i++) {
            byte[] b;
            switch (r.nextInt(4)) {
                case 0 -> {
                    b = new byte[r.nextInt(200)];
                    r.nextBytes(b);
                }
                case 1 -> {
                    b = good.clone();
                    for (int k = 0; k < 1 + r.nextInt(4); k++) {
                        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 2 -> b = java.util.Arrays.copyOf(good, r.nextInt(good.length + 1));
                default -> {
                    byte[] block = new byte[r.nextInt(60)];
                    r.nextBytes(block);
                    b = H2.bytes().headers(1 + 2 * r.nextInt(1000), r.nextBoolean(), block).get();
                }
            }
            if (b.length == 0) {
                continue;
            }
            w.fd = 7 + r.nextInt(20);
            if (r.nextBoolean()) {
                w.read(b, 1);
            } else {
                w.write(b, 1);
            }
            if (r.nextInt(500) == 0) {
                w.close();
            }
        }
        Map<String, Long> stats = w.converter.statistics();
        assertEquals(0L, stats.get("parser_failures"));
        assertTrue(stats.get("connections") <= 21, "connections " + stats.get("connections"));
        assertTrue(stats.get("http2_streams") > 100, "streams " + stats.get("http2_streams"));
        List<KindlingEvent> events = w.emitted;
        assertTrue(events.size() > 0);
    }
}

package io.kindling.probe.converter.request;

import static io.kindling.probe.converter.request.Wire.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.KindlingEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pairing and framing on one connection, with the bytes each protocol puts on the wire. */
class RequestPairingTest {

    static final String GET = "GET /users/42/orders?page=2 HTTP/1.1\r\nHost: x\r\n\r\n";

    static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void httpKeepAliveClientSideWithTimings() {
        Wire w = new Wire();
        w.write(GET, 30).read(ok("hello"), 200);
        w.write("POST /api/v2/items HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd", 10).read("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 50);
        List<KindlingEvent> events = w.emitted;
        assertEquals(2, events.size(), events.toString());
        KindlingEvent a = events.get(0);
        assertEquals("net_request", a.name());
        assertEquals("http", attr(a, "protocol"));
        assertEquals(false, attr(a, "is_server"));
        assertEquals("GET", attr(a, "http_method"));
        assertEquals("/users/42/orders", attr(a, "http_url"));
        assertEquals("/users/*/orders", attr(a, "content_key"));
        assertEquals(200L, attr(a, "http_status_code"));
        assertEquals((long) GET.length(), attr(a, "request_io"));
        assertEquals((long) ok("hello").length(), attr(a, "response_io"));
        assertEquals(30_000L, attr(a, "request_sent_time"));
        assertEquals(200_000L, attr(a, "waiting_ttfb_time"));
        assertEquals(0L, attr(a, "content_download_time"));
        assertEquals(230_000L, attr(a, "request_total_time"));
        assertEquals(false, attr(a, "is_error"));
        assertEquals("NoError", attr(a, "error_type"));
        assertEquals(7L, a.fd().num());
        KindlingEvent b = events.get(1);
        assertEquals("POST", attr(b, "http_method"));
        assertEquals("/api/*/items", attr(b, "content_key"));
        assertEquals(404L, attr(b, "http_status_code"));
        assertEquals(true, attr(b, "is_error"));
    }

    @Test
    void httpResponseLargerThanTheSnaplenOverManyReads() {
        Wire w = new Wire();
        w.snaplen = 80;
        String body = "x".repeat(100_000);
        String resp = "HTTP/1.1 200 OK\r\nDate: Sun, 06 Dec 2026 20:00:00 GMT\r\nServer: nginx/1.22.1\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
        w.write(GET, 10);
        byte[] all = resp.getBytes(StandardCharsets.ISO_8859_1);
        int at = 0;
        int reads = 0;
        while (at < all.length) {
            int n = Math.min(16384, all.length - at);
            w.read(java.util.Arrays.copyOfRange(all, at, at + n), 100);
            at += n;
            reads++;
        }
        // the head did not fit 80 bytes: the response's end is not known, it ends at the next request
        assertEquals(0, w.emitted.size());
        w.write(GET, 10).read(ok("y"), 100).close();
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        assertEquals((long) all.length, attr(w.emitted.get(0), "response_io"));
        assertEquals((reads - 1) * 100_000L, attr(w.emitted.get(0), "content_download_time"));
        assertEquals(200L, attr(w.emitted.get(0), "http_status_code"));
    }

    @Test
    void httpResponseLengthKnownFromItsHeadEndsAtItsLastByte() {
        Wire w = new Wire();
        String resp = ok("z".repeat(50_000));
        w.write(GET, 10).read(resp.substring(0, 1000), 10).read(resp.substring(1000), 10);
        assertEquals(1, w.emitted.size());
        assertEquals((long) resp.length(), attr(w.emitted.get(0), "response_io"));
    }

    @Test
    void httpPipelinedRequestsPairInOrderServerSide() {
        Wire w = new Wire().server(true);
        w.read(GET + "GET /b HTTP/1.1\r\n\r\nHEAD /c HTTP/1.1\r\n\r\n", 5);
        w.write(ok("1") + ok("22"), 5).write("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", 5);
        assertEquals(3, w.emitted.size(), w.emitted.toString());
        assertEquals(List.of("/users/42/orders", "/b", "/c"), w.emitted.stream().map(e -> attr(e, "http_url")).toList());
        assertEquals(true, attr(w.emitted.get(0), "is_server"));
        assertEquals((long) ok("22").length(), attr(w.emitted.get(1), "response_io"));
    }

    @Test
    void http100ContinueIsNotTheResponse() {
        Wire w = new Wire();
        w.write("PUT /up HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", 5)
                .read("HTTP/1.1 100 Continue\r\n\r\n", 5).write("12345", 5).read("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 5);
        assertEquals(1, w.emitted.size(), w.emitted.toString());
        assertEquals(201L, attr(w.emitted.get(0), "http_status_code"));
        assertEquals((long) "PUT /up HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n12345".length(),
                attr(w.emitted.get(0), "request_io"));
    }

    @Test
    void closedBeforeTheResponseIsNoResponse() {
        Wire w = new Wire();
        w.write(GET, 10).close();
        assertEquals(1, w.emitted.size());
        assertEquals("NoResponse", attr(w.emitted.get(0), "error_type"));
        assertEquals(true, attr(w.emitted.get(0), "is_error"));
    }

    @Test
    void noResponseAfterTheTimeoutAndSlowRequests() {
        Wire w = new Wire();
        w.write(GET, 10).idle(121).tick();
        assertEquals(1, w.emitted.size());
        assertEquals("NoResponse", attr(w.emitted.get(0), "error_type"));
        w.write(GET, 10).idle(1).read(ok(""), 10);
        assertEquals(true, attr(w.emitted.get(1), "is_slow"));
        w.write(GET, 10).read(ok(""), 10);
        assertEquals(false, attr(w.emitted.get(2), "is_slow"));
    }

    @Test
    void failedConnect() {
        Wire w = new Wire();
        w.connectFailed(-111);
        assertEquals(1, w.emitted.size());
        assertEquals("ConnectFail", attr(w.emitted.get(0), "error_type"));
        assertEquals(8080, w.emitted.get(0).fd().dport());
    }

    @Test
    void unknownProtocolAfterAFewMessagesIsReportedAsNosupport() {
        Wire w = new Wire();
        for (int i = 0; i < 6; i++) {
            w.write("\u0001\u0002hello", 5).read("\u0003world", 5);
        }
        w.close();
        assertTrue(w.emitted.size() >= 2, w.emitted.toString());
        assertTrue(w.emitted.stream().allMatch(e -> "NOSUPPORT".equals(attr(e, "protocol"))));
    }

    @Test
    void redisPipelineAndError() {
        Wire w = new Wire();
        w.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nget\r\n$1\r\nk\r\n*1\r\n$4\r\nINCR\r\n", 5);
        w.read("+OK\r\n$1\r\nv\r\n-ERR wrong number of arguments for 'incr' command\r\n", 5);
        assertEquals(3, w.emitted.size(), w.emitted.toString());
        assertEquals(List.of("SET", "GET", "INCR"), w.emitted.stream().map(e -> attr(e, "redis_command")).toList());
        assertEquals("ERR wrong number of arguments for 'incr' command", attr(w.emitted.get(2), "redis_error"));
        assertEquals(true, attr(w.emitted.get(2), "is_error"));
        assertEquals("redis", attr(w.emitted.get(0), "protocol"));
    }

    static byte[] dns(int id, boolean response, int rcode, String name) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) ((response ? 0x8180 : 0x0100) | rcode)).putShort((short) 1)
                .putShort((short) (response && rcode == 0 ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            b.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void dnsOverUdpPairsById() {
        Wire w = new Wire();
        w.l4 = io.kindling.probe.api.L4Protocol.UDP;
        w.sendto("syscall_exit-sendto", dns(1, false, 0, "a.example"), 5).sendto("syscall_exit-sendto", dns(2, false, 0, "b.example"), 5);
        w.sendto("syscall_exit-recvfrom", dns(2, true, 3, "b.example"), 5).sendto("syscall_exit-recvfrom", dns(1, true, 0, "a.example"), 5);
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        assertEquals("b.example", attr(w.emitted.get(0), "dns_domain"));
        assertEquals(3L, attr(w.emitted.get(0), "dns_rcode"));
        assertEquals(true, attr(w.emitted.get(0), "is_error"));
        assertEquals("a.example", attr(w.emitted.get(1), "content_key"));
        assertEquals(1L, attr(w.emitted.get(1), "dns_id"));
        assertEquals(false, attr(w.emitted.get(1), "is_server"));
    }

    /**
     * A DNS server on port 53 reads a query of id 7 from 127.0.0.1:40001 asking {@code first}, then one of the same id
     * from 40002 asking {@code second}; it answers the second peer first (NXDOMAIN, 50 µs later), then the first
     * (NOERROR, 70 µs after that).
     */
    static Wire dnsServerAnswersTwoPeersInReverse(String first, String second) {
        Wire w = new Wire().server(true);
        w.l4 = io.kindling.probe.api.L4Protocol.UDP;
        w.serverPort = 53;
        return w.datagram("syscall_exit-recvfrom", dns(7, false, 0, first), 5, 40001, true)
                .datagram("syscall_exit-recvfrom", dns(7, false, 0, second), 5, 40002, true)
                .datagram("syscall_exit-sendto", dns(7, true, 3, second), 50, 40002, false)
                .datagram("syscall_exit-sendto", dns(7, true, 0, first), 70, 40001, false);
    }

    @Test
    void aDnsServerPairsEachAnswerWithTheQueryOfItsPeerWhenTwoPeersUseTheSameId() {
        // ids are 16 random bits: two clients' queries in flight at a busy server may carry the same
        Wire w = dnsServerAnswersTwoPeersInReverse("a.example", "bb.example");
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        KindlingEvent b = w.emitted.get(0);
        assertEquals("bb.example", attr(b, "dns_domain"), "the answer sent to the second client answers its query");
        assertEquals(3L, attr(b, "dns_rcode"));
        assertEquals(40002, b.fd().sport());
        assertEquals(28L, attr(b, "request_io"));
        assertEquals(50_000L, attr(b, "waiting_ttfb_time"));
        KindlingEvent a = w.emitted.get(1);
        assertEquals("a.example", attr(a, "dns_domain"));
        assertEquals(0L, attr(a, "dns_rcode"));
        assertEquals(40001, a.fd().sport());
        assertEquals(125_000L, attr(a, "waiting_ttfb_time"));
        assertEquals(true, attr(a, "is_server"));
    }

    @Test
    void aDnsServerPairsEachAnswerWithItsPeersQueryWhenTwoPeersAskTheSameQuestionWithTheSameId() {
        // the same question with the same id from two clients (two resolvers behind one cache, say): only the
        // address an answer is sent to tells which query it answers
        Wire w = dnsServerAnswersTwoPeersInReverse("a.example", "a.example");
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        KindlingEvent b = w.emitted.get(0);
        assertEquals(40002, b.fd().sport(), "the answer sent to the second client answers its query");
        assertEquals(3L, attr(b, "dns_rcode"));
        assertEquals(50_000L, attr(b, "waiting_ttfb_time"));
        KindlingEvent a = w.emitted.get(1);
        assertEquals(40001, a.fd().sport());
        assertEquals(0L, attr(a, "dns_rcode"));
        assertEquals(125_000L, attr(a, "waiting_ttfb_time"));
    }

    static byte[] mysqlPacket(int seq, byte[] payload) {
        byte[] b = new byte[payload.length + 4];
        b[0] = (byte) payload.length;
        b[1] = (byte) (payload.length >> 8);
        b[2] = (byte) (payload.length >> 16);
        b[3] = (byte) seq;
        System.arraycopy(payload, 0, b, 4, payload.length);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void mysqlQueriesAndAnError() {
        Wire w = new Wire();
        w.read(mysqlPacket(0, "\n10.11.6-MariaDB\0...".getBytes(StandardCharsets.ISO_8859_1)), 5); // greeting
        w.write(mysqlPacket(1, new byte[40]), 5).read(mysqlPacket(2, new byte[] {0, 0, 0, 2, 0, 0, 0}), 5); // login
        w.write(mysqlPacket(0, ("\u0003SELECT name FROM users WHERE id = 42 AND mail = 'a@b.c'").getBytes(StandardCharsets.ISO_8859_1)), 5);
        w.read(concat(mysqlPacket(1, new byte[] {1}), mysqlPacket(2, new byte[30]), mysqlPacket(3, new byte[] {(byte) 0xfe, 0, 0, 2, 0})), 5);
        w.write(mysqlPacket(0, "\u0003SELEC nothing".getBytes(StandardCharsets.ISO_8859_1)), 5);
        w.read(mysqlPacket(1, concat(new byte[] {(byte) 0xff, 0x28, 0x04}, "#42000You have an error".getBytes(StandardCharsets.ISO_8859_1))), 5);
        w.write(mysqlPacket(0, new byte[] {1}), 5).close();
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        KindlingEvent a = w.emitted.get(0);
        assertEquals("mysql", attr(a, "protocol"));
        assertEquals("SELECT name FROM users WHERE id = ? AND mail = ?", attr(a, "sql"));
        assertEquals("SELECT users", attr(a, "content_key"));
        assertEquals(1064L, attr(w.emitted.get(1), "sql_error_code"));
        assertEquals(true, attr(w.emitted.get(1), "is_error"));
    }

    static byte[] pg(char type, byte[] body) {
        return concat(new byte[] {(byte) type}, ByteBuffer.allocate(4).putInt(body.length + 4).array(), body);
    }

    static byte[] cstr(String s) {
        return (s + "\0").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void pgsqlSimpleAndExtendedQueries() {
        Wire w = new Wire();
        w.write(concat(ByteBuffer.allocate(8).putInt(30).putInt(196608).array(), cstr("user"), cstr("me"), new byte[1]), 5); // startup
        w.read(concat(pg('R', new byte[4]), pg('Z', new byte[] {'I'})), 5);
        w.write(pg('Q', cstr("insert into t values (1, 'x')")), 5).read(concat(pg('C', cstr("INSERT 0 1")), pg('Z', new byte[] {'I'})), 5);
        w.write(pg('Q', cstr("select * from nope")), 5)
                .read(concat(pg('E', concat(cstr("SERROR"), cstr("C42P01"), cstr("Mrelation does not exist"), new byte[1])),
                        pg('Z', new byte[] {'I'})), 5);
        w.write(concat(pg('P', concat(cstr(""), cstr("SELECT a FROM b WHERE c = $1"), new byte[2])), pg('B', new byte[10]),
                pg('E', new byte[5]), pg('S', new byte[0])), 5).read(concat(pg('1', new byte[0]), pg('Z', new byte[] {'I'})), 5);
        assertEquals(3, w.emitted.size(), w.emitted.toString());
        assertEquals("insert into t values (?, ?)", attr(w.emitted.get(0), "sql"));
        assertEquals("INSERT t", attr(w.emitted.get(0), "content_key"));
        assertEquals("42P01", attr(w.emitted.get(1), "sql_error_code"));
        assertEquals("SELECT a FROM b WHERE c = $1", attr(w.emitted.get(2), "sql"));
        assertEquals("pgsql", attr(w.emitted.get(2), "protocol"));
    }

    static byte[] kafkaProduceV9(int correlation, String topic) {
        byte[] client = "producer-1".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(256);
        b.putInt(0).putShort((short) 0).putShort((short) 9).putInt(correlation).putShort((short) client.length).put(client).put((byte) 0);
        b.put((byte) 0).putShort((short) 1).putInt(30000).put((byte) 2).put((byte) (topic.length() + 1))
                .put(topic.getBytes(StandardCharsets.US_ASCII)).put(new byte[20]);
        int size = b.position() - 4;
        b.putInt(0, size);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static byte[] kafkaProduceResponseV9(int correlation, String topic, int error) {
        ByteBuffer b = ByteBuffer.allocate(256);
        b.putInt(0).putInt(correlation).put((byte) 0).put((byte) 2).put((byte) (topic.length() + 1))
                .put(topic.getBytes(StandardCharsets.US_ASCII)).put((byte) 2).putInt(0).putShort((short) error).put(new byte[12]);
        b.putInt(0, b.position() - 4);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void kafkaPairsByCorrelationId() {
        Wire w = new Wire();
        w.write(concat(kafkaProduceV9(7, "orders"), kafkaProduceV9(8, "payments")), 5);
        w.read(kafkaProduceResponseV9(8, "payments", 3), 5).read(kafkaProduceResponseV9(7, "orders", 0), 5);
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        assertEquals("payments", attr(w.emitted.get(0), "kafka_topic"));
        assertEquals(3L, attr(w.emitted.get(0), "kafka_error_code"));
        assertEquals(true, attr(w.emitted.get(0), "is_error"));
        assertEquals("orders", attr(w.emitted.get(1), "content_key"));
        assertEquals("Produce", attr(w.emitted.get(1), "kafka_api"));
        assertEquals(0L, attr(w.emitted.get(1), "kafka_error_code"));
    }

    @Test
    void kafkaHeadsCutOverCallsAreReadWhole() {
        // a pipelined request whose head three writes cut (inside its client id, then before its topic), and an
        // answer cut inside its topic: each is read once its head is whole
        Wire w = new Wire();
        byte[] first = kafkaProduceV9(5, "orders");
        byte[] second = kafkaProduceV9(6, "payments");
        byte[] requests = concat(first, second);
        int cut1 = first.length + 20;
        int cut2 = first.length + 30;
        w.write(java.util.Arrays.copyOfRange(requests, 0, cut1), 5).write(java.util.Arrays.copyOfRange(requests, cut1, cut2), 5)
                .write(java.util.Arrays.copyOfRange(requests, cut2, requests.length), 5);
        byte[] answer = concat(kafkaProduceResponseV9(5, "orders", 0), kafkaProduceResponseV9(6, "payments", 3));
        int cut3 = kafkaProduceResponseV9(5, "orders", 0).length + 14;
        w.read(java.util.Arrays.copyOfRange(answer, 0, cut3), 5).read(java.util.Arrays.copyOfRange(answer, cut3, answer.length), 5);
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        KindlingEvent a = w.emitted.get(0);
        assertEquals("orders", attr(a, "kafka_topic"));
        assertEquals((long) first.length, attr(a, "request_io"));
        assertEquals(0L, attr(a, "kafka_error_code"));
        KindlingEvent b = w.emitted.get(1);
        assertEquals("payments", attr(b, "kafka_topic"), "the head cut by two writes");
        assertEquals((long) second.length, attr(b, "request_io"));
        assertEquals(3L, attr(b, "kafka_error_code"), "the answer's head cut inside its topic");
        assertEquals(15_000L, attr(b, "request_sent_time"), "from the first write of its bytes to the last");
    }

    @Test
    void aHeadInShortPiecesIsReadWhole() {
        // 6 bytes, then 5 (still too few to tell the request), then the rest
        Wire w = new Wire().server(true);
        byte[] request = kafkaProduceV9(11, "clicks");
        w.read(java.util.Arrays.copyOf(request, 6), 5).read(java.util.Arrays.copyOfRange(request, 6, 11), 5)
                .read(java.util.Arrays.copyOfRange(request, 11, request.length), 5).write(kafkaProduceResponseV9(11, "clicks", 0), 5);
        assertEquals(1, w.emitted.size(), w.emitted.toString());
        assertEquals("clicks", attr(w.emitted.get(0), "kafka_topic"));
        assertEquals(11L, attr(w.emitted.get(0), "kafka_id"));
        assertEquals((long) request.length, attr(w.emitted.get(0), "request_io"));
    }

    @Test
    void aCutHeadWhoseRestNeverComesIsReadAsItIs() {
        // the rest of the request's head is not seen (lost): the answer still pairs with what was seen of it
        Wire w = new Wire();
        byte[] request = kafkaProduceV9(9, "orders");
        w.write(java.util.Arrays.copyOf(request, 20), 5).read(kafkaProduceResponseV9(9, "orders", 0), 5).close();
        assertEquals(1, w.emitted.size(), w.emitted.toString());
        assertEquals("Produce", attr(w.emitted.get(0), "kafka_api"));
        assertEquals(9L, attr(w.emitted.get(0), "kafka_id"));
        assertEquals(20L, attr(w.emitted.get(0), "request_io"));
        assertEquals("NoError", attr(w.emitted.get(0), "error_type"));
    }

    @Test
    void kafkaRequestsCarryTheirCorrelationIdAndVersion() {
        Wire w = new Wire();
        w.write(kafkaProduceV9(41, "orders"), 5).read(kafkaProduceResponseV9(41, "orders", 0), 5);
        assertEquals(1, w.emitted.size(), w.emitted.toString());
        assertEquals(41L, attr(w.emitted.get(0), "kafka_id"));
        assertEquals(9L, attr(w.emitted.get(0), "kafka_version"));
    }

    static byte[] kafkaRequest(int key, int version, int correlation, byte[] body) {
        byte[] client = "producer-1".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putInt(0).putShort((short) key).putShort((short) version).putInt(correlation).putShort((short) client.length).put(client)
                .put((byte) 0).put(body);
        b.putInt(0, b.position() - 4);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static byte[] kafkaResponse(int correlation, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putInt(0).putInt(correlation).put((byte) 0).put(body);
        b.putInt(0, b.position() - 4);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static final java.util.UUID ORDERS = new java.util.UUID(0x1122334455667788L, 0x99aabbccddeeff00L);

    static byte[] uuid(java.util.UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    }

    @Test
    void kafkaTopicIdsAreNamedFromMetadataResponses() {
        Wire w = new Wire();
        // Metadata v12 for "orders", then Produce v13 (topic by id) answered with an error, and Fetch v17
        w.write(kafkaRequest(3, 12, 1, new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 'o', 'r', 'd', 'e', 'r', 's', 0,
            0, 0, 0}), 5);
        ByteBuffer m = ByteBuffer.allocate(256);
        m.putInt(0).put((byte) 2).putInt(1).put((byte) 10).put("127.0.0.1".getBytes(StandardCharsets.US_ASCII)).putInt(9092).put((byte) 0)
                .put((byte) 0).put((byte) 4).put("abc".getBytes(StandardCharsets.US_ASCII)).putInt(1);
        m.put((byte) 2).putShort((short) 0).put((byte) 7).put("orders".getBytes(StandardCharsets.US_ASCII)).put(uuid(ORDERS)).put((byte) 0);
        m.put((byte) 2).putShort((short) 0).putInt(0).putInt(1).putInt(0).put((byte) 2).putInt(1).put((byte) 2).putInt(1).put((byte) 1)
                .put((byte) 0).putInt(0).put((byte) 0).put((byte) 0);
        w.read(kafkaResponse(1, java.util.Arrays.copyOf(m.array(), m.position())), 5);
        ByteBuffer produce = ByteBuffer.allocate(128).put((byte) 0).putShort((short) 1).putInt(30000).put((byte) 2).put(uuid(ORDERS))
                .put((byte) 2).putInt(0).put(new byte[10]);
        w.write(kafkaRequest(0, 13, 2, java.util.Arrays.copyOf(produce.array(), produce.position())), 5);
        ByteBuffer produced = ByteBuffer.allocate(128).put((byte) 2).put(uuid(ORDERS)).put((byte) 2).putInt(0).putShort((short) 6)
                .put(new byte[20]);
        w.read(kafkaResponse(2, java.util.Arrays.copyOf(produced.array(), produced.position())), 5);
        ByteBuffer fetch = ByteBuffer.allocate(128).putInt(500).putInt(1).putInt(1 << 20).put((byte) 0).putInt(0).putInt(-1)
                .put((byte) 2).put(uuid(ORDERS)).put((byte) 2).putInt(0).put(new byte[20]);
        w.write(kafkaRequest(1, 17, 3, java.util.Arrays.copyOf(fetch.array(), fetch.position())), 5);
        w.read(kafkaResponse(3, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}), 5);
        assertEquals(3, w.emitted.size(), w.emitted.toString());
        assertEquals("Metadata", attr(w.emitted.get(0), "content_key"));
        assertEquals("orders", attr(w.emitted.get(1), "kafka_topic"));
        assertEquals("orders", attr(w.emitted.get(1), "content_key"));
        assertEquals(6L, attr(w.emitted.get(1), "kafka_error_code"));
        assertEquals(true, attr(w.emitted.get(1), "is_error"));
        assertEquals("orders", attr(w.emitted.get(2), "kafka_topic"));
        assertEquals(0L, attr(w.emitted.get(2), "kafka_error_code"));
    }

    @Test
    void redisInlineCommandsServerSide() {
        Wire w = new Wire().server(true);
        w.read("PING\r\n", 5).write("+PONG\r\n", 5);
        w.read("set k 1\r\nINCR k\r\n", 5).write("+OK\r\n:2\r\n", 5);
        w.read("get nothere\n", 5).write("$-1\r\n", 5);
        assertEquals(List.of("PING", "SET", "INCR", "GET"), w.emitted.stream().map(e -> attr(e, "redis_command")).toList(),
                w.emitted.toString());
        assertEquals(6L, attr(w.emitted.get(0), "request_io"));
        assertEquals(7L, attr(w.emitted.get(0), "response_io"));
    }

    @Test
    void textLinesThatAreNoRedisCommandAreNotRedis() {
        Wire w = new Wire();
        w.write("EHLO mail.example\r\n", 5).read("250 hello\r\n", 5);
        w.write("GET / HTTP/1.1\r\n\r\n", 5).read(ok("x"), 5);
        assertEquals("http", attr(w.emitted.get(w.emitted.size() - 1), "protocol"), w.emitted.toString());
        assertTrue(w.emitted.stream().noneMatch(e -> "redis".equals(attr(e, "protocol"))), w.emitted.toString());
    }

    static byte[] le32(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    @Test
    void mysqlPreparedStatementsCarryTheirTextToTheirExecutions() {
        Wire w = new Wire();
        w.read(mysqlPacket(0, "\n10.11.6-MariaDB\0...".getBytes(StandardCharsets.ISO_8859_1)), 5); // greeting
        w.write(mysqlPacket(1, new byte[40]), 5).read(mysqlPacket(2, new byte[] {0, 0, 0, 2, 0, 0, 0}), 5); // login
        byte[] prepare = concat(new byte[] {0x16}, "SELECT name FROM users WHERE id = ?".getBytes(StandardCharsets.ISO_8859_1));
        w.write(mysqlPacket(0, prepare), 5);
        // PREPARE_OK: statement 7, 1 column, 1 parameter, then their definitions and EOFs
        w.read(concat(mysqlPacket(1, concat(new byte[] {0}, le32(7), new byte[] {1, 0, 1, 0, 0, 0, 0})), mysqlPacket(2, new byte[20]),
                mysqlPacket(3, new byte[] {(byte) 0xfe, 0, 0, 2, 0}), mysqlPacket(4, new byte[20]),
                mysqlPacket(5, new byte[] {(byte) 0xfe, 0, 0, 2, 0})), 5);
        byte[] execute = concat(new byte[] {0x17}, le32(7), new byte[] {0}, le32(1), new byte[] {0, 1, 3, 0}, le32(42));
        for (int i = 0; i < 2; i++) {
            w.write(mysqlPacket(0, execute), 5);
            w.read(concat(mysqlPacket(1, new byte[] {1}), mysqlPacket(2, new byte[20]), mysqlPacket(3, new byte[] {(byte) 0xfe, 0, 0, 2, 0}),
                    mysqlPacket(4, new byte[] {0, 0, 3, 'b', 'o', 'b'}), mysqlPacket(5, new byte[] {(byte) 0xfe, 0, 0, 2, 0})), 5);
        }
        w.write(mysqlPacket(0, concat(new byte[] {0x19}, le32(7))), 5); // close: no response
        w.write(mysqlPacket(0, execute), 5).read(mysqlPacket(1, concat(new byte[] {(byte) 0xff, (byte) 0x99, 0x04},
                "#HY000Unknown prepared statement handler".getBytes(StandardCharsets.ISO_8859_1))), 5);
        w.close();
        assertEquals(4, w.emitted.size(), w.emitted.toString());
        assertEquals("SELECT name FROM users WHERE id = ?", attr(w.emitted.get(0), "sql"));
        for (int i = 1; i <= 2; i++) {
            assertEquals("SELECT name FROM users WHERE id = ?", attr(w.emitted.get(i), "sql"));
            assertEquals("SELECT users", attr(w.emitted.get(i), "content_key"));
            assertEquals(false, attr(w.emitted.get(i), "is_error"));
        }
        assertEquals(null, attr(w.emitted.get(3), "sql"), "closed: its text is forgotten");
        assertEquals("STMT_EXECUTE", attr(w.emitted.get(3), "content_key"));
        assertEquals(1177L, attr(w.emitted.get(3), "sql_error_code"));
    }

    @Test
    void mysqlPrepareAndExecutePipelinedAsMariaDbClientsDo() {
        Wire w = new Wire();
        w.read(mysqlPacket(0, "\n10.11.6-MariaDB\0...".getBytes(StandardCharsets.ISO_8859_1)), 5); // greeting
        w.write(mysqlPacket(1, new byte[40]), 5).read(mysqlPacket(2, new byte[] {0, 0, 0, 2, 0, 0, 0}), 5); // login
        byte[] prepare = concat(new byte[] {0x16}, "UPDATE t SET name = ? WHERE id = ?".getBytes(StandardCharsets.ISO_8859_1));
        byte[] execute = concat(new byte[] {0x17}, le32(0xffffffffL), new byte[] {0}, le32(1), new byte[] {0, 1, 3, 0}, le32(42));
        w.write(concat(mysqlPacket(0, prepare), mysqlPacket(0, execute)), 5);
        byte[] prepareOk = concat(mysqlPacket(1, concat(new byte[] {0}, le32(3), new byte[] {0, 0, 2, 0, 0, 0, 0})),
                mysqlPacket(2, new byte[20]), mysqlPacket(3, new byte[20]));
        byte[] updated = mysqlPacket(1, new byte[] {0, 1, 0, 2, 0, 0, 0});
        w.read(concat(prepareOk, updated), 5);
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        assertEquals((long) prepareOk.length, attr(w.emitted.get(0), "response_io"));
        assertEquals("UPDATE t SET name = ? WHERE id = ?", attr(w.emitted.get(1), "sql"));
        assertEquals((long) updated.length, attr(w.emitted.get(1), "response_io"));
        assertEquals("NoError", attr(w.emitted.get(1), "error_type"));
    }

    @Test
    void pgsqlCopyFromStdinIsOneRequestWithItsData() {
        for (boolean server : List.of(false, true)) {
            Wire w = new Wire().server(server);
            byte[] copy = pg('Q', cstr("COPY t FROM STDIN"));
            byte[] data1 = pg('d', "1\tann\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] data2 = pg('d', "2\tbob\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] done = pg('c', new byte[0]);
            byte[] copyIn = pg('G', new byte[] {0, 0, 2, 0, 0, 0, 0});
            byte[] outcome = concat(pg('C', cstr("COPY 2")), pg('Z', new byte[] {'I'}));
            if (server) {
                w.read(copy, 5).write(copyIn, 5).read(data1, 5).read(concat(data2, done), 5).write(outcome, 5);
            } else {
                w.write(copy, 5).read(copyIn, 5).write(data1, 5).write(concat(data2, done), 5).read(outcome, 5);
            }
            w.write(server ? outcome : pg('Q', cstr("select 1")), 0);
            w.close();
            List<KindlingEvent> copies = w.emitted.stream().filter(e -> "COPY t FROM STDIN".equals(attr(e, "sql"))).toList();
            assertEquals(1, copies.size(), w.emitted.toString());
            KindlingEvent e = copies.get(0);
            assertEquals("NoError", attr(e, "error_type"), e.toString());
            assertEquals((long) (copy.length + data1.length + data2.length + done.length), attr(e, "request_io"));
            assertEquals((long) outcome.length, attr(e, "response_io")); // as after HTTP's 100 Continue: the final response
            assertTrue(w.emitted.stream().noneMatch(x -> "".equals(attr(x, "sql"))), w.emitted.toString());
        }
    }

    @Test
    void stateIsBoundedByTheConnectionLimit() {
        RequestConverter c = new RequestConverter(16, 4, 4, true, 500, java.util.Map.of(), 120, 2000, 120);
        Wire w = new Wire(c);
        for (int i = 0; i < 1000; i++) {
            w.fd = 100 + i;
            w.write(GET, 1);
        }
        for (int i = 0; i < 100; i++) {
            w.write(GET, 1);
        }
        assertEquals(16L, c.statistics().get("connections"));
        assertEquals(1000L - 16, c.statistics().get("evicted"));
        assertEquals(1000L - 16 + 101 - 4, c.statistics().get("no_response"),
                "the requests of the evicted connections, and beyond 4 waiting requests the oldest, are reported");
        long evictedAt = w.now;
        w.fd = 5000;
        w.write(GET, 1);
        KindlingEvent last = w.emitted.get(w.emitted.size() - 1);
        assertEquals("NoResponse", attr(last, "error_type"), "the least recently used connection's request: " + last);
        assertEquals(evictedAt + 1000, last.timestamp(), "reported when its connection is evicted");
    }

    @Test
    void aLengthReadAloneBeforeItsMessageServerSide() {
        Wire w = new Wire().server(true);
        byte[] req = kafkaProduceV9(5, "orders");
        w.read(java.util.Arrays.copyOf(req, 4), 5).read(java.util.Arrays.copyOfRange(req, 4, req.length), 5);
        w.write(kafkaProduceResponseV9(5, "orders", 0), 5);
        byte[] query = mysqlPacket(0, "\u0003select 1".getBytes(StandardCharsets.ISO_8859_1));
        w.fd = 8;
        w.read(java.util.Arrays.copyOf(query, 4), 5).read(java.util.Arrays.copyOfRange(query, 4, query.length), 5);
        w.write(mysqlPacket(1, new byte[] {0, 0, 0, 2, 0, 0, 0}), 5);
        assertEquals(2, w.emitted.size(), w.emitted.toString());
        assertEquals("orders", attr(w.emitted.get(0), "kafka_topic"));
        assertEquals((long) req.length, attr(w.emitted.get(0), "request_io"));
        assertEquals(5_000L, attr(w.emitted.get(0), "request_sent_time"));
        assertEquals("mysql", attr(w.emitted.get(1), "protocol"));
        assertEquals("select ?", attr(w.emitted.get(1), "sql"));
    }

    @Test
    void aLengthReadAloneBeforeItsResponseClientSidePairsById() {
        Wire w = new Wire();
        w.write(concat(kafkaProduceV9(1, "a"), kafkaProduceV9(2, "b")), 5);
        byte[] r2 = kafkaProduceResponseV9(2, "b", 0);
        w.read(java.util.Arrays.copyOf(r2, 4), 5).read(java.util.Arrays.copyOfRange(r2, 4, r2.length), 5);
        assertEquals(1, w.emitted.size());
        assertEquals("b", attr(w.emitted.get(0), "kafka_topic"));
    }

    @Test
    void theSummaryCountsPerProtocolWithPercentilesAndTopKeys() {
        Wire w = new Wire();
        for (int i = 0; i < 99; i++) {
            w.write(GET, 10).read(ok("a"), 90); // 100 us
        }
        w.write("GET /slow HTTP/1.1\r\n\r\n", 10).read("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", 49_990); // 50 ms
        Map<String, Long> f = w.converter.statistics();
        assertEquals(100L, f.get("summary.http.requests"));
        assertEquals(1L, f.get("summary.http.errors"));
        assertEquals(99L, f.get("summary.http.top./users/*/orders"));
        long p50 = f.get("summary.http.p50_ns");
        long p99 = f.get("summary.http.p99_ns");
        assertTrue(p50 >= 100_000 && p50 < 125_000, "p50 " + p50);
        assertTrue(p99 >= 100_000 && p99 < 125_000, "p99 " + p99);
        w.write(GET, 10).read(ok("a"), 49_990);
        assertTrue(w.converter.statistics().get("summary.http.p99_ns") >= 50_000_000L);
        assertTrue(w.converter.summary().lines().get(0).startsWith("http      101 requests, 1.0% errors"), w.converter.summary().lines().toString());
    }
}

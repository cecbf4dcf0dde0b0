package io.kindling.probe.converter.request;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.converter.request.dns.DnsParser;
import io.kindling.probe.converter.request.http.HttpParser;
import io.kindling.probe.converter.request.kafka.KafkaParser;
import io.kindling.probe.converter.request.mysql.MysqlParser;
import io.kindling.probe.converter.request.pgsql.PgsqlParser;
import io.kindling.probe.converter.request.redis.RedisParser;
import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 100,000 inputs per protocol: random bytes, and real messages cut short and with bytes flipped. The parsers
 * never throw, and the converter fed with them keeps its state within its bounds.
 */
class ParserFuzzTest {

    static final List<byte[]> SEEDS = List.of(
            RequestPairingTest.GET.getBytes(StandardCharsets.ISO_8859_1),
            RequestPairingTest.ok("hello").getBytes(StandardCharsets.ISO_8859_1),
            "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".getBytes(StandardCharsets.ISO_8859_1),
            "*2\r\n*1\r\n:1\r\n%1\r\n+a\r\n$-1\r\n".getBytes(StandardCharsets.ISO_8859_1),
            RequestPairingTest.dns(9, false, 0, "a.b.example"),
            RequestPairingTest.dns(9, true, 3, "a.b.example"),
            RequestPairingTest.mysqlPacket(0, "\u0003SELECT 1 FROM t WHERE a='x'".getBytes(StandardCharsets.ISO_8859_1)),
            RequestPairingTest.mysqlPacket(1, new byte[] {(byte) 0xff, 0x28, 0x04, '#'}),
            RequestPairingTest.pg('Q', RequestPairingTest.cstr("select 1")),
            RequestPairingTest.concat(RequestPairingTest.pg('E', RequestPairingTest.concat(RequestPairingTest.cstr("C42P01"), new byte[1])),
                    RequestPairingTest.pg('Z', new byte[] {'I'})),
            RequestPairingTest.kafkaProduceV9(3, "orders"),
            RequestPairingTest.kafkaProduceResponseV9(3, "orders", 1));

    @Test
    void parsersNeverThrow() {
        Random r = new Random(21);
        List<ProtocolParser> parsers = List.of(new HttpParser(), new RedisParser(), new DnsParser(), new MysqlParser(),
                new PgsqlParser(), new KafkaParser());
        Message someRequest = new KafkaParser().request(new Payload(SEEDS.get(10), 0, SEEDS.get(10).length, SEEDS.get(10).length, false));
        for (ProtocolParser p : parsers) {
            for (int i = 0; i < 100_000; i++) {
                byte[] input;
                if (i % 2 == 0) {
                    input = new byte[r.nextInt(64)];
                    r.nextBytes(input);
                } else {
                    byte[] seed = SEEDS.get(r.nextInt(SEEDS.size()));
                    input = java.util.Arrays.copyOf(seed, r.nextInt(seed.length + 1));
                    for (int f = r.nextInt(4); f > 0 && input.length > 0; f--) {
                        input[r.nextInt(input.length)] = (byte) r.nextInt(256);
                    }
                }
                long remaining = input.length + (r.nextBoolean() ? 0 : r.nextInt(100_000));
                boolean datagram = r.nextBoolean();
                Payload payload = new Payload(input, 0, input.length, remaining, datagram);
                p.request(payload);
                p.responseId(payload);
                p.response(payload, r.nextBoolean() ? null : someRequest);
                Message m = p.request(payload);
                assertTrue(m == null || m.length() == -1 || m.length() > 0, p.protocol() + " gave a length of " + (m == null ? 0 : m.length()));
            }
        }
    }

    @Test
    void theConverterFedWithFuzzStaysWithinItsBounds() {
        Random r = new Random(7);
        RequestConverter c = new RequestConverter(64, 8, 4, true, 500, java.util.Map.of(), 120, 2000, 120);
        Wire w = new Wire(c);
        for (int i = 0; i < 100_000; i++) {
            w.fd = r.nextInt(200);
            w.server = r.nextBoolean();
            byte[] seed = SEEDS.get(r.nextInt(SEEDS.size()));
            byte[] input = java.util.Arrays.copyOf(seed, r.nextInt(seed.length + 1));
            if (input.length > 0) {
                input[r.nextInt(input.length)] ^= (byte) r.nextInt(256);
            }
            if (input.length == 0) {
                continue;
            }
            if (r.nextBoolean()) {
                w.write(input, r.nextInt(100));
            } else {
                w.read(input, r.nextInt(100));
            }
            if (r.nextInt(50) == 0) {
                w.close();
            }
        }
        assertTrue(c.statistics().get("connections") <= 64);
        w.end();
        assertTrue(c.statistics().get("parser_failures") == 0, c.statistics().toString());
    }
}

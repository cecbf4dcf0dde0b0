package io.kindling.probe.converter.request;

import static io.kindling.probe.converter.request.RequestPairingTest.dns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.L4Protocol;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The converter's state over a long run, accelerated: each round is 10 s of event time in which thousands of
 * connections of many processes send a request and are dropped without an answer (half closed, half left to the
 * idle timeout or to eviction), keep-alive connections carry many requests to URLs that never repeat (so that the
 * content keys overflow), connections of an unknown protocol talk, and a DNS socket leaves queries unanswered. The
 * tables must stay at their bounds and the heap retained after a collection must not grow once they are full.
 * <p>
 * In {@code bin/test} a short run (a bounded number of rounds) checks the bounds; {@code -Dkindling.soak.minutes=N}
 * runs for N minutes of wall-clock time and prints the retained heap as it goes.
 */
class RequestSoakTest {
    static final int MAX_CONNECTIONS = 2048;
    static final int DROPPED = 1000;
    static final int KEEP_ALIVE = 20;
    static final int KEEP_ALIVE_REQUESTS = 20;
    static final int UNKNOWN = 100;
    static final int DNS_QUERIES = 100;

    private final Random random = new Random(21);
    private final Wire wire = new Wire(new RequestConverter(MAX_CONNECTIONS, 64, 4, true, 500,
            RequestConverter.slowThresholds(new String[] {"dns=100"}), 120, 2000, 120));
    private long nextFd = 100;
    private long emitted;

    @Test
    void tablesStayAtTheirBoundsAndTheRetainedHeapStaysFlat() {
        long minutes = Long.getLong("kindling.soak.minutes", 0);
        long until = System.nanoTime() + minutes * 60_000_000_000L;
        int rounds = 0;
        long filledHeap = -1;
        long maxHeap = 0;
        long start = wire.now;
        while (minutes > 0 ? System.nanoTime() < until : rounds < 30) {
            round();
            rounds++;
            Map<String, Long> stats = wire.converter.statistics();
            assertTrue(stats.get("connections") <= MAX_CONNECTIONS, "connections " + stats);
            assertTrue(wire.converter.verdicts() <= RequestConverter.MAX_VERDICTS, "verdicts " + wire.converter.verdicts());
            assertTrue(wire.converter.summary().keys("http") <= RequestSummary.MAX_KEYS, "http keys");
            if (rounds % (minutes > 0 ? 200 : 10) == 0) {
                long heap = retainedHeap();
                if (rounds == (minutes > 0 ? 200 : 10)) {
                    filledHeap = heap; // every table is full by now (the idle timeout is 12 rounds, the connections fill in 4)
                }
                maxHeap = Math.max(maxHeap, heap);
                System.out.printf(Locale.ROOT, "request soak: round %d (%.1f h of events), %d net_request, connections %d, evicted %d, "
                        + "verdicts %d, summary keys %d, retained heap %.1f MB%n", rounds, (wire.now - start) / 3.6e12, emitted,
                        stats.get("connections"), stats.get("evicted"), wire.converter.verdicts(), wire.converter.summary().keys("http"),
                        heap / 1e6);
            }
        }
        Map<String, Long> stats = wire.converter.statistics();
        assertEquals(MAX_CONNECTIONS, stats.get("connections"), "the table is full and stays at its bound: " + stats);
        assertTrue(stats.get("evicted") > 0, "connections were evicted: " + stats);
        assertEquals(RequestConverter.MAX_VERDICTS, wire.converter.verdicts());
        assertEquals(RequestSummary.MAX_KEYS, wire.converter.summary().keys("http"), "http's keys are at their bound");
        assertTrue(stats.get("no_response") >= rounds * (long) DROPPED - MAX_CONNECTIONS,
                "every dropped request is reported (closed, timed out or evicted), but those of the connections still kept: " + stats);
        assertTrue(stats.get("unknown_protocol_connections") >= rounds * (long) UNKNOWN, stats.toString());
        System.out.printf(Locale.ROOT, "request soak: %d rounds, retained heap once full %.1f MB, at most %.1f MB%n", rounds,
                filledHeap / 1e6, maxHeap / 1e6);
    }

    private void round() {
        Wire w = wire;
        w.l4 = L4Protocol.TCP;
        w.server = false;
        // requests sent on connections that are dropped without an answer, from many processes to many ports
        for (int i = 0; i < DROPPED; i++) {
            connection(10_000 + random.nextInt(20_000), 8000 + random.nextInt(400));
            w.write("GET /orders HTTP/1.1\r\nHost: shop\r\n\r\n", 5);
            if (i % 2 == 0) {
                w.close();
            }
        }
        // keep-alive connections, each request to a path never seen before
        for (int c = 0; c < KEEP_ALIVE; c++) {
            connection(7000 + c, 8080);
            for (int r = 0; r < KEEP_ALIVE_REQUESTS; r++) {
                w.write("GET /" + letters(10) + " HTTP/1.1\r\nHost: shop\r\n\r\n", 5);
                w.read("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 50);
            }
            w.close();
        }
        // connections of a protocol no parser knows: each turn of talk a request
        for (int c = 0; c < UNKNOWN; c++) {
            connection(6000 + random.nextInt(100), 9000 + random.nextInt(100));
            for (int r = 0; r < 6; r++) {
                byte[] b = new byte[40];
                random.nextBytes(b);
                b[0] = 0x7f;
                w.write(b, 5);
                random.nextBytes(b);
                w.read(b, 20);
            }
            w.close();
        }
        // a DNS socket: every other query answered
        w.l4 = L4Protocol.UDP;
        connection(5000, 53);
        for (int q = 0; q < DNS_QUERIES; q++) {
            int id = random.nextInt(65536);
            String name = "host" + (q % 10) + ".example";
            w.sendto("syscall_exit-sendto", dns(id, false, 0, name), 5);
            if (q % 2 == 0) {
                w.sendto("syscall_exit-recvfrom", dns(id, true, 0, name), 5);
            }
        }
        w.idle(10).tick();
        emitted += w.emitted.size();
        w.emitted.clear();
    }

    private void connection(long pid, int serverPort) {
        wire.pid = pid;
        wire.fd = nextFd++;
        wire.clientPort = 30000 + (int) (nextFd % 30000);
        wire.serverPort = serverPort;
    }

    private String letters(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('a' + random.nextInt(26)));
        }
        return b.toString();
    }

    private static long retainedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}

package io.kindling.probe.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU time the request converter spends per request of each protocol, the exchanges of
 * {@link RequestParsersBenchmark}: the thread's own CPU time (not the wall clock, which other processes on a busy
 * machine stretch), over rounds of a million requests after as many rounds of warm-up, and what that makes at
 * 10,000 requests a second seen from both sides (server and client), in cores. Run with
 * {@code java -cp probe.bench/target/benchmarks.jar io.kindling.probe.bench.RequestCpuPerRequest}.
 */
public final class RequestCpuPerRequest {
    static final int REQUESTS = 1_000_000;
    static final int ROUNDS = 5;

    private RequestCpuPerRequest() {}

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] emitted = {0};
        for (Map.Entry<String, RequestParsersBenchmark.Exchange> e : RequestParsersBenchmark.exchanges().entrySet()) {
            RequestParsersBenchmark.Exchange x = e.getValue();
            long least = Long.MAX_VALUE;
            for (int round = 0; round < 2 * ROUNDS; round++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < REQUESTS; i++) {
                    x.run(event -> emitted[0]++);
                }
                long cpu = threads.getCurrentThreadCpuTime() - start;
                if (round >= ROUNDS) {
                    least = Math.min(least, cpu);
                }
            }
            double perRequest = least / (double) REQUESTS;
            System.out.printf(Locale.ROOT, "%-6s %,6.0f ns of CPU per request; at 10,000 requests/s, both sides: %.4f cores%n",
                    e.getKey(), perRequest, perRequest * 2 * 10_000 / 1e9);
        }
        System.out.println("requests " + emitted[0]);
    }
}

package io.kindling.probe.cli;

import java.util.Locale;

/**
 * The options of {@code probe live [--duration D] [--write FILE]} and of
 * {@code probe bench-live [--rate R] [--duration D] [--search] [--grpc]}.
 *
 * @param durationMillis how long to read live events; 0: until Ctrl-C ({@code live}), 30 s ({@code bench-live})
 * @param write the capture file that receives every event read, or {@code null}
 * @param rate requests per second of bench-live's workload
 * @param search whether bench-live also looks for the highest rate without drops
 * @param grpc whether bench-live's workload is gRPC calls over HTTP/2 ({@link GrpcLoad}) rather than HTTP/1.1
 */
record LiveSpec(long durationMillis, String write, int rate, boolean search, boolean grpc) {

    static final LiveSpec NONE = new LiveSpec(0, null, 0, false, false);
    static final int DEFAULT_BENCH_RATE = 10_000;
    static final long DEFAULT_BENCH_MILLIS = 30_000;

    LiveSpec withDuration(long millis) {
        return new LiveSpec(millis, write, rate, search, grpc);
    }

    LiveSpec withWrite(String file) {
        return new LiveSpec(durationMillis, file, rate, search, grpc);
    }

    LiveSpec withRate(int requestsPerSecond) {
        return new LiveSpec(durationMillis, write, requestsPerSecond, search, grpc);
    }

    LiveSpec withSearch() {
        return new LiveSpec(durationMillis, write, rate, true, grpc);
    }

    LiveSpec withGrpc() {
        return new LiveSpec(durationMillis, write, rate, search, true);
    }

    /** A duration: a number with the unit ms, s, m or h (seconds without a unit), at least 1 ms. */
    static long duration(String text) throws UsageException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1000;
        String number = t;
        if (t.endsWith("ms")) {
            unit = 1;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unit = 3_600_000;
            number = t.substring(0, t.length() - 1);
        }
        try {
            double value = Double.parseDouble(number);
            long millis = Math.round(value * unit);
            if (value > 0 && millis >= 1 && millis <= 366L * 24 * 3_600_000) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--duration needs a time such as 30s, 500ms or 2m, got '" + text + "'");
    }
}

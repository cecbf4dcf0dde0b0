package io.kindling.probe.generator;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;

/**
 * What a generation run wrote.
 *
 * @param scenario the scenario generated
 * @param seed the seed used
 * @param file the capture file
 * @param events number of events written (always the number requested)
 * @param bytes size of the capture file in bytes
 * @param countsByType events per event type as sysdig names it ({@code evt.type}, e.g. {@code read},
 *        {@code switch}), enter and exit events together
 * @param enterEvents number of enter events (sysdig {@code evt.dir = >}), context switches included
 * @param exitEvents number of exit events ({@code evt.dir = <})
 * @param failedCalls exit events with a negative result (errno), e.g. EAGAIN, ENOENT, EACCES
 * @param firstTimestampNs timestamp of the capture start in nanoseconds since the epoch
 * @param lastTimestampNs timestamp of the last event
 * @param elapsedNanos wall clock time the generation took
 * @param requests lines of the request log ({@link CaptureGenerator#requestLog(Path)}), 0 for a scenario without
 *        one (since 1.2)
 */
public record GenerationSummary(Scenario scenario, long seed, Path file, long events, long bytes,
        SortedMap<String, Long> countsByType, long enterEvents, long exitEvents, long failedCalls,
        long firstTimestampNs, long lastTimestampNs, long elapsedNanos, long requests) {

    public GenerationSummary {
        countsByType = Collections.unmodifiableSortedMap(countsByType);
    }

    /** A summary without a request log. */
    public GenerationSummary(Scenario scenario, long seed, Path file, long events, long bytes,
            SortedMap<String, Long> countsByType, long enterEvents, long exitEvents, long failedCalls,
            long firstTimestampNs, long lastTimestampNs, long elapsedNanos) {
        this(scenario, seed, file, events, bytes, countsByType, enterEvents, exitEvents, failedCalls, firstTimestampNs,
                lastTimestampNs, elapsedNanos, 0);
    }

    /** Events of the given type ({@code evt.type}), 0 if none. */
    public long count(String type) {
        return countsByType.getOrDefault(type, 0L);
    }

    /** Generation rate in events per second. */
    public double eventsPerSecond() {
        return events / Math.max(elapsedNanos / 1e9, 1e-9);
    }

    /** Counts as a compact single line, e.g. {@code accept=12 close=40 ...}. */
    public String countsLine() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : countsByType.entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }
}

package io.kindling.probe.api.control;

import java.util.List;
import java.util.Map;

/**
 * The probe's figures for the current or last run. {@code read} is every event the inspector read;
 * {@code dropped} the events each rule removed; {@code converted} the events that reached the
 * converters (read minus dropped), {@code emitted} the events converters added; {@code capture}
 * what the capture source itself counted (since 1.3; {@link CaptureStatistics#NONE} for a capture file).
 */
public record Statistics(long read, Map<DropRule, Long> dropped, long converted, long emitted,
        List<SinkStatistics> sinks, long elapsedNanos, CaptureStatistics capture) {

    public Statistics {
        capture = capture == null ? CaptureStatistics.NONE : capture;
    }

    /** Figures without capture source statistics (a capture file). */
    public Statistics(long read, Map<DropRule, Long> dropped, long converted, long emitted, List<SinkStatistics> sinks,
            long elapsedNanos) {
        this(read, dropped, converted, emitted, sinks, elapsedNanos, CaptureStatistics.NONE);
    }

    public long droppedTotal() {
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    public double eventsPerSecond() {
        return elapsedNanos <= 0 ? 0 : read * 1e9 / elapsedNanos;
    }
}

package io.kindling.probe.cli;

import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The figures printed to standard error when a run ends. */
final class Summary {

    private Summary() {}

    /**
     * @param threadless events without thread information that were read for converters only (the
     *     Kindling probe's rule keeps them from sinks); they are counted among the converted events
     * @param cut events that did not fit an empty batch buffer and went on with their longest
     *     parameters cut
     */
    static List<String> lines(Statistics statistics, long threadless, long cut) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "events read      %d", statistics.read()));
        lines.add("dropped          " + Stream.of(DropRule.values())
                .map(rule -> rule.label() + " " + statistics.dropped().getOrDefault(rule, 0L))
                .collect(Collectors.joining(", ")));
        if (threadless > 0) {
            lines.add(String.format(Locale.ROOT,
                    "converters only  %d events without thread info (kept from sinks, as no_thread)", threadless));
        }
        if (cut > 0) {
            lines.add(String.format(Locale.ROOT,
                    "cut to fit       %d events had their longest parameters cut to fit a batch (raise batch.bytes)", cut));
        }
        lines.addAll(statistics.capture().lines());
        if (statistics.emitted() > 0) {
            lines.add(String.format(Locale.ROOT, "emitted          %d by converters", statistics.emitted()));
        }
        for (SinkStatistics sink : statistics.sinks()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "sink %-11s delivered %d, dropped %d, failed %d",
                    sink.name(), sink.delivered(), sink.dropped(), sink.failed()));
            if (sink.queued() > 0) {
                line.append(", still queued ").append(sink.queued());
            }
            lines.add(line.toString());
        }
        if (statistics.sinks().isEmpty()) {
            lines.add("sinks            none");
        }
        lines.add(String.format(Locale.ROOT, "rate             %.0f events/s", statistics.eventsPerSecond()));
        lines.add(String.format(Locale.ROOT, "elapsed          %.3f s", statistics.elapsedNanos() / 1e9));
        return lines;
    }

    /** The container converter's figures, when it runs: the containers it knows and what the runtime answered. */
    static List<String> containers(List<ConverterStatistics> converters) {
        List<String> lines = new ArrayList<>();
        for (ConverterStatistics c : converters) {
            if (c.name().equals("container") && !c.figures().isEmpty()) {
                lines.add("containers       " + c.figures().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")));
            }
        }
        return lines;
    }
}

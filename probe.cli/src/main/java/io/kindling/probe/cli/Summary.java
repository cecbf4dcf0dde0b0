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
     * The requests section: per protocol, what the request converter counted in the run (its statistics figures
     * {@code summary.PROTOCOL.requests}, {@code .errors}, {@code .p50_ns}, {@code .p99_ns}, {@code .top.KEY}, a key followed by
     * its clients' and servers' containers where one took part: {@code /index.html (client > web)});
     * nothing when no converter reports requests.
     */
    static List<String> requests(List<io.kindling.probe.api.control.ConverterStatistics> converters) {
        List<String> lines = new ArrayList<>();
        for (io.kindling.probe.api.control.ConverterStatistics c : converters) {
            java.util.Map<String, java.util.Map<String, Long>> byProtocol = new java.util.TreeMap<>();
            c.figures().forEach((key, value) -> {
                if (key.startsWith("summary.")) {
                    String rest = key.substring("summary.".length());
                    int dot = rest.indexOf('.');
                    if (dot > 0) {
                        byProtocol.computeIfAbsent(rest.substring(0, dot), k -> new java.util.HashMap<>()).put(rest.substring(dot + 1), value);
                    }
                }
            });
            byProtocol.forEach((protocol, f) -> {
                long n = f.getOrDefault("requests", 0L);
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                        "requests         %s %d, errors %.1f%%, p50 %.3f ms, p99 %.3f ms", protocol, n,
                        n == 0 ? 0.0 : 100.0 * f.getOrDefault("errors", 0L) / n, f.getOrDefault("p50_ns", 0L) / 1e6,
                        f.getOrDefault("p99_ns", 0L) / 1e6));
                List<java.util.Map.Entry<String, Long>> top = f.entrySet().stream().filter(e -> e.getKey().startsWith("top."))
                        .sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).toList();
                if (!top.isEmpty()) {
                    b.append("; top");
                    for (java.util.Map.Entry<String, Long> e : top) {
                        String k = e.getKey().substring(4);
                        b.append(' ').append(k.isEmpty() || k.startsWith(" (") ? "\"\"" + k : k).append(' ').append(e.getValue()).append(',');
                    }
                    b.setLength(b.length() - 1);
                }
                lines.add(b.toString());
            });
        }
        return lines;
    }

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
            sink.figures().forEach((k, v) -> line.append(", ").append(k).append(' ').append(v));
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

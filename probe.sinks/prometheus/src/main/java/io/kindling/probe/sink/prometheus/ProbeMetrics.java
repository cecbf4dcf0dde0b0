package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The probe's own figures ({@link Statistics} of the current or last run) as metrics. They start
 * again from zero with each run, which Prometheus treats as a counter reset.
 */
final class ProbeMetrics {

    static final String READ = "kindling_probe_events_read_total";
    static final String DROPPED = "kindling_probe_events_dropped_total";
    static final String CONVERTED = "kindling_probe_events_converted_total";
    static final String EMITTED = "kindling_probe_events_emitted_total";
    static final String SINK_EVENTS = "kindling_probe_sink_events_total";
    static final String SINK_QUEUED = "kindling_probe_sink_queued_events";

    private ProbeMetrics() {}

    static void write(Statistics s, Appendable out) throws IOException {
        List<String> none = List.of();
        TextFormat.header(out, READ, "counter", "Events the inspector read in the current or last run.");
        TextFormat.sample(out, READ, none, none, s.read());

        TextFormat.header(out, DROPPED, "counter", "Events dropped before conversion, by the rule that dropped them.");
        List<String> rule = List.of("rule");
        for (Map.Entry<DropRule, Long> e : s.dropped().entrySet()) {
            TextFormat.sample(out, DROPPED, rule, List.of(e.getKey().label()), e.getValue());
        }

        TextFormat.header(out, CONVERTED, "counter", "Events that reached the converters.");
        TextFormat.sample(out, CONVERTED, none, none, s.converted());
        TextFormat.header(out, EMITTED, "counter", "Events that converters added.");
        TextFormat.sample(out, EMITTED, none, none, s.emitted());

        TextFormat.header(out, SINK_EVENTS, "counter",
                "Events per sink: delivered to it, dropped because its queue was full, or failed in its delivery.");
        List<String> sinkOutcome = List.of("sink", "outcome");
        for (SinkStatistics sink : s.sinks()) {
            TextFormat.sample(out, SINK_EVENTS, sinkOutcome, List.of(sink.name(), "delivered"), sink.delivered());
            TextFormat.sample(out, SINK_EVENTS, sinkOutcome, List.of(sink.name(), "dropped"), sink.dropped());
            TextFormat.sample(out, SINK_EVENTS, sinkOutcome, List.of(sink.name(), "failed"), sink.failed());
        }
        TextFormat.header(out, SINK_QUEUED, "gauge", "Events waiting in each sink's queue.");
        List<String> sinkLabel = List.of("sink");
        for (SinkStatistics sink : s.sinks()) {
            TextFormat.sample(out, SINK_QUEUED, sinkLabel, List.of(sink.name()), sink.queued());
        }
    }
}

package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.control.CaptureStatistics;
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
    static final String SINK_FIGURES = "kindling_probe_sink_figure";
    static final String CAPTURE_EVENTS = "kindling_probe_capture_events_total";
    static final String CAPTURE_DROPS = "kindling_probe_capture_drops_total";
    static final String CAPTURE_PREEMPTIONS = "kindling_probe_capture_preemptions_total";
    static final String CAPTURE_SUPPRESSED = "kindling_probe_capture_suppressed_total";
    static final String CAPTURE_FILTERED = "kindling_probe_capture_filtered_total";
    static final String KERNEL_EVENTS = "kindling_probe_kernel_tcp_events_total";
    static final String KERNEL_DROPS = "kindling_probe_kernel_tcp_drops_total";
    static final String RING_TAMPERED = "kindling_probe_capture_ring_tampered_total";

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
        TextFormat.header(out, SINK_FIGURES, "untyped",
                "The figures each sink reports itself since it started, for example what it lost after it took it.");
        List<String> sinkFigure = List.of("sink", "figure");
        for (SinkStatistics sink : s.sinks()) {
            for (Map.Entry<String, Long> f : sink.figures().entrySet()) {
                TextFormat.sample(out, SINK_FIGURES, sinkFigure, List.of(sink.name(), f.getKey()), f.getValue());
            }
        }
        capture(s.capture(), out);
    }

    /** The capture source's figures (zero for a capture file). */
    private static void capture(CaptureStatistics c, Appendable out) throws IOException {
        List<String> none = List.of();
        TextFormat.header(out, CAPTURE_EVENTS, "counter", "Events the live capture source received (libsinsp's capture statistics).");
        TextFormat.sample(out, CAPTURE_EVENTS, none, none, c.events());
        TextFormat.header(out, CAPTURE_DROPS, "counter",
                "Events the live capture source lost, by reason: libsinsp's (buffer, page_fault, bug) and the eBPF"
                        + " source's (bpf_ring_full, udig_ring_full, invalid).");
        List<String> reason = List.of("reason");
        TextFormat.sample(out, CAPTURE_DROPS, reason, List.of("buffer"), c.dropsBuffer());
        TextFormat.sample(out, CAPTURE_DROPS, reason, List.of("page_fault"), c.dropsPageFault());
        TextFormat.sample(out, CAPTURE_DROPS, reason, List.of("bug"), c.dropsBug());
        TextFormat.sample(out, CAPTURE_DROPS, reason, List.of("bpf_ring_full"), c.dropsBpfRing());
        TextFormat.sample(out, CAPTURE_DROPS, reason, List.of("udig_ring_full"), c.dropsUdigRing());
        TextFormat.sample(out, CAPTURE_DROPS, reason, List.of("invalid"), c.dropsInvalid());
        TextFormat.header(out, CAPTURE_PREEMPTIONS, "counter", "Preemptions the live capture source reported.");
        TextFormat.sample(out, CAPTURE_PREEMPTIONS, none, none, c.preemptions());
        TextFormat.header(out, CAPTURE_SUPPRESSED, "counter", "Events of suppressed threads that were not read.");
        TextFormat.sample(out, CAPTURE_SUPPRESSED, none, none, c.suppressed());
        TextFormat.header(out, CAPTURE_FILTERED, "counter",
                "Events the eBPF source left out in the kernel: the probe's own process, syscalls no one needs.");
        TextFormat.sample(out, CAPTURE_FILTERED, reason, List.of("own_process"), c.filteredOwnProcess());
        TextFormat.sample(out, CAPTURE_FILTERED, reason, List.of("syscall"), c.filteredSyscall());
        TextFormat.header(out, KERNEL_EVENTS, "counter", "Kernel TCP events the eBPF source handed to the reader.");
        TextFormat.sample(out, KERNEL_EVENTS, none, none, c.kernelEvents());
        TextFormat.header(out, KERNEL_DROPS, "counter",
                "Kernel TCP events the eBPF source lost, by reason (bpf_ring_full, queue_full).");
        TextFormat.sample(out, KERNEL_DROPS, reason, List.of("bpf_ring_full"), c.kernelDropsBpfRing());
        TextFormat.sample(out, KERNEL_DROPS, reason, List.of("queue_full"), c.kernelDropsQueue());
        TextFormat.header(out, RING_TAMPERED, "counter",
                "Times the eBPF source found the shared head, tail or snaplen of libsinsp's ring written by another process.");
        TextFormat.sample(out, RING_TAMPERED, none, none, c.udigRingTampered());
    }
}

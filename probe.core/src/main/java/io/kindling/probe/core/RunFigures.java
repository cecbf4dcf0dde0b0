package io.kindling.probe.core;

import io.kindling.probe.api.control.CaptureStatistics;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.source.InspectorCounters;
import io.kindling.probe.api.source.InspectorSession;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The figures of the current or last run: the inspector's counters, what the event loop converted
 * and converters emitted, its duration, and the figures of the sinks removed during the run. The
 * event loop writes them; any thread reads them.
 */
final class RunFigures {
    private static final System.Logger LOG = System.getLogger(RunFigures.class.getName());

    final AtomicLong converted = new AtomicLong();
    final AtomicLong emitted = new AtomicLong();
    private volatile InspectorCounters counters = InspectorCounters.ZERO;
    private volatile long copiedWithoutThread;
    private volatile long paramsCut;
    /** What the capture source counted (live: libsinsp's capture statistics and the eBPF source's drops). */
    private volatile CaptureStatistics capture = CaptureStatistics.NONE;
    private volatile long startNanos;
    private volatile long endNanos;
    /** Figures of the sinks removed during the current run, by name. */
    private final Map<String, SinkStatistics> retired = new ConcurrentHashMap<>();

    /** A run starts: every figure, the sinks' and the converters' included, counts from zero. */
    void reset(Collection<SinkChannel> sinks, Collection<ConverterEntry> converters) {
        converted.set(0);
        emitted.set(0);
        counters = InspectorCounters.ZERO;
        copiedWithoutThread = 0;
        paramsCut = 0;
        capture = CaptureStatistics.NONE;
        retired.clear();
        for (SinkChannel c : sinks) {
            c.resetCounts();
        }
        for (ConverterEntry c : converters) {
            c.observed.set(0);
            c.emitted.set(0);
        }
        startNanos = System.nanoTime();
        endNanos = 0;
    }

    /** Takes the inspector's counters, after a batch and at the end. */
    void read(InspectorSession s) {
        counters = s.counters();
        copiedWithoutThread = s.copiedWithoutThread();
        paramsCut = s.paramsCut();
        capture = s.captureStatistics();
    }

    void ended() {
        endNanos = System.nanoTime();
    }

    /** Keeps the figures of a sink removed during the run. */
    void retire(SinkStatistics s) {
        retired.merge(s.name(), s, (a, b) -> new SinkStatistics(a.name(), a.delivered() + b.delivered(),
                a.dropped() + b.dropped(), a.failed() + b.failed(), a.queued() + b.queued(), b.figures()));
    }

    long copiedWithoutThread() {
        return copiedWithoutThread;
    }

    long paramsCut() {
        return paramsCut;
    }

    Statistics statistics(List<SinkStatistics> routed) {
        InspectorCounters c = counters;
        List<SinkStatistics> sinkStats = new ArrayList<>(routed);
        for (SinkStatistics r : retired.values()) {
            sinkStats.add(new SinkStatistics(r.name() + " (removed)", r.delivered(), r.dropped(), r.failed(), r.queued(),
                    r.figures()));
        }
        sinkStats.sort(Comparator.comparing(SinkStatistics::name));
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        long elapsed = startNanos == 0 ? 0 : end - startNanos;
        return new Statistics(c.read(), dropRules(c), converted.get(), emitted.get(), sinkStats, elapsed, capture);
    }

    static Map<DropRule, Long> dropRules(InspectorCounters c) {
        Map<DropRule, Long> dropped = new EnumMap<>(DropRule.class);
        dropped.put(DropRule.OWN_PROCESS, c.ownProcess());
        dropped.put(DropRule.INTERNAL, c.internal());
        dropped.put(DropRule.NO_THREAD, c.noThread());
        dropped.put(DropRule.IO_RESULT, c.ioResult());
        dropped.put(DropRule.UNSUBSCRIBED, c.unsubscribed());
        return dropped;
    }

    /** Each converter's figures, in the order they run; a converter whose own figures fail is logged and shown without them. */
    static List<ConverterStatistics> converters(Collection<ConverterEntry> entries) {
        List<ConverterStatistics> list = new ArrayList<>();
        for (ConverterEntry c : ConverterEntry.sorted(entries)) {
            Map<String, Long> figures = new LinkedHashMap<>();
            try {
                figures.putAll(c.converter.statistics());
            } catch (Throwable e) {
                LOG.log(Level.WARNING, "converter " + c.name + " failed to give its statistics: " + e);
            }
            long failures = c.failures.get();
            if (failures > 0) {
                figures.put("failures", failures);
            }
            list.add(new ConverterStatistics(c.name, c.active, c.observed.get(), c.emitted.get(), figures));
        }
        return list;
    }
}

package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.metrics.SeriesTable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter with labels, holding at most {@code maxSeries} label sets. Once it is full, an
 * observation with a new label set is recorded with its foldable labels set to {@value #OTHER}, and
 * counted as folded. Written by one thread (the sink's), read by any (scrapes).
 */
final class CounterFamily {

    /** The label value that stands for every value that did not fit. */
    static final String OTHER = SeriesTable.OTHER;

    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final SeriesTable<AtomicLong> series;

    /** {@code foldableLabels}: names of the labels replaced by {@value #OTHER} when the family is full. */
    CounterFamily(String name, String help, List<String> labelNames, List<String> foldableLabels, int maxSeries) {
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
        this.series = new SeriesTable<>(labelNames, foldableLabels, maxSeries);
    }

    String name() {
        return name;
    }

    void add(long amount, String... labelValues) {
        series.get(labelValues, AtomicLong::new).addAndGet(amount);
    }

    /** Observations recorded under {@value #OTHER} because the family was full. */
    long folded() {
        return series.folded();
    }

    int size() {
        return series.size();
    }

    void write(Appendable out) throws IOException {
        TextFormat.header(out, name, "counter", help);
        for (Map.Entry<List<String>, AtomicLong> e : series.sorted()) {
            TextFormat.sample(out, name, labelNames, e.getKey(), e.getValue().get());
        }
    }
}

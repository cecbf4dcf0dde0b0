package io.kindling.probe.sink.prometheus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The label sets of one metric family and the value kept for each, at most {@code maxSeries} of
 * them. Once full, a new label set is recorded with its foldable labels set to
 * {@value CounterFamily#OTHER}, and counted as folded. Written by one thread (the sink's), read by
 * any (scrapes).
 */
final class SeriesTable<V> {

    /** Label sets in the order they are written: value by value. */
    static final Comparator<List<String>> ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    private final boolean[] foldable;
    private final int maxSeries;
    private final Map<List<String>, V> series = new ConcurrentHashMap<>();
    private final AtomicLong folded = new AtomicLong();

    /** {@code foldableLabels}: names of the labels replaced by {@value CounterFamily#OTHER} when the table is full. */
    SeriesTable(List<String> labelNames, List<String> foldableLabels, int maxSeries) {
        this.foldable = new boolean[labelNames.size()];
        for (int i = 0; i < foldable.length; i++) {
            foldable[i] = foldableLabels.contains(labelNames.get(i));
        }
        this.maxSeries = Math.max(1, maxSeries);
    }

    /** The value of these label values, or of their folded set when the table is full. */
    V get(String[] labelValues, Supplier<V> create) {
        List<String> key = Arrays.asList(labelValues);
        V value = series.get(key);
        if (value == null) {
            if (series.size() >= maxSeries) {
                key = fold(labelValues);
                folded.addAndGet(1);
            }
            value = series.computeIfAbsent(List.copyOf(key), k -> create.get());
        }
        return value;
    }

    private List<String> fold(String[] values) {
        String[] f = values.clone();
        for (int i = 0; i < f.length; i++) {
            if (foldable[i]) {
                f[i] = CounterFamily.OTHER;
            }
        }
        return Arrays.asList(f);
    }

    /** Observations recorded under {@value CounterFamily#OTHER} because the table was full. */
    long folded() {
        return folded.get();
    }

    int size() {
        return series.size();
    }

    /** The label sets and their values, sorted by label values. */
    List<Map.Entry<List<String>, V>> sorted() {
        List<Map.Entry<List<String>, V>> entries = new ArrayList<>(series.entrySet());
        entries.sort(Map.Entry.comparingByKey(ORDER));
        return entries;
    }
}

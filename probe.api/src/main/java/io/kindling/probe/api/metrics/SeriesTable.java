package io.kindling.probe.api.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The label sets of one metric and the value kept for each, at most {@code maxSeries} of them. Once
 * full, a new label set is recorded with its foldable labels set to {@value #OTHER}, and counted as
 * folded. Written by one thread (a sink's), read by any (scrapes, exports).
 *
 * @param <V> what is kept per label set: a counter, a histogram, or what a sink records into
 */
public final class SeriesTable<V> {

    /** The label value that stands for every value that did not fit. */
    public static final String OTHER = "other";

    /** Label sets in the order they are written: value by value. */
    public static final Comparator<List<String>> ORDER = (a, b) -> {
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

    /** {@code foldableLabels}: names of the labels replaced by {@value #OTHER} when the table is full. */
    public SeriesTable(List<String> labelNames, List<String> foldableLabels, int maxSeries) {
        this.foldable = new boolean[labelNames.size()];
        for (int i = 0; i < foldable.length; i++) {
            foldable[i] = foldableLabels.contains(labelNames.get(i));
        }
        this.maxSeries = Math.max(1, maxSeries);
    }

    /** The value of these label values, or of their folded set when the table is full. */
    public V get(String[] labelValues, Supplier<V> create) {
        return lookup(labelValues, key -> create.get());
    }

    /**
     * The value of these label values, or of their folded set when the table is full; {@code create} makes a
     * missing value from the label values it is kept under (the folded ones when the table was full).
     */
    public V lookup(String[] labelValues, Function<List<String>, V> create) {
        List<String> key = Arrays.asList(labelValues);
        V value = series.get(key);
        if (value == null) {
            if (series.size() >= maxSeries) {
                key = fold(labelValues);
                folded.addAndGet(1);
            }
            value = series.computeIfAbsent(List.copyOf(key), create);
        }
        return value;
    }

    private List<String> fold(String[] values) {
        String[] f = values.clone();
        for (int i = 0; i < f.length; i++) {
            if (foldable[i]) {
                f[i] = OTHER;
            }
        }
        return Arrays.asList(f);
    }

    /** Observations recorded under {@value #OTHER} because the table was full. */
    public long folded() {
        return folded.get();
    }

    public int size() {
        return series.size();
    }

    /** The label sets and their values, sorted by label values. */
    public List<Map.Entry<List<String>, V>> sorted() {
        List<Map.Entry<List<String>, V>> entries = new ArrayList<>(series.entrySet());
        entries.sort(Map.Entry.comparingByKey(ORDER));
        return entries;
    }
}

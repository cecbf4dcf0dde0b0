package io.kindling.probe.sink.prometheus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A counter with labels, holding at most {@code maxSeries} label sets. Once it is full, an
 * observation with a new label set is recorded with its foldable labels set to {@value #OTHER}, and
 * counted as folded. Written by one thread (the sink's), read by any (scrapes).
 */
final class CounterFamily {

    /** The label value that stands for every value that did not fit. */
    static final String OTHER = "other";

    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final boolean[] foldable;
    private final int maxSeries;
    private final Map<List<String>, AtomicLong> series = new ConcurrentHashMap<>();
    private final AtomicLong folded = new AtomicLong();

    /** {@code foldableLabels}: names of the labels replaced by {@value #OTHER} when the family is full. */
    CounterFamily(String name, String help, List<String> labelNames, List<String> foldableLabels, int maxSeries) {
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
        this.foldable = new boolean[labelNames.size()];
        for (int i = 0; i < foldable.length; i++) {
            foldable[i] = foldableLabels.contains(labelNames.get(i));
        }
        this.maxSeries = Math.max(1, maxSeries);
    }

    String name() {
        return name;
    }

    void add(long amount, String... labelValues) {
        List<String> key = Arrays.asList(labelValues);
        AtomicLong counter = series.get(key);
        if (counter == null) {
            if (series.size() >= maxSeries) {
                key = Folding.fold(labelValues, foldable);
                folded.addAndGet(1);
            }
            counter = series.computeIfAbsent(List.copyOf(key), k -> new AtomicLong());
        }
        counter.addAndGet(amount);
    }

    /** Observations recorded under {@value #OTHER} because the family was full. */
    long folded() {
        return folded.get();
    }

    int size() {
        return series.size();
    }

    void write(Appendable out) throws IOException {
        TextFormat.header(out, name, "counter", help);
        List<Map.Entry<List<String>, AtomicLong>> entries = new ArrayList<>(series.entrySet());
        entries.sort(Map.Entry.comparingByKey(Folding.ORDER));
        for (Map.Entry<List<String>, AtomicLong> e : entries) {
            TextFormat.sample(out, name, labelNames, e.getKey(), e.getValue().get());
        }
    }

    /** Shared by the families: how label values fold and sort. */
    static final class Folding {
        static final Comparator<List<String>> ORDER = (a, b) -> {
            for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                int c = a.get(i).compareTo(b.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(a.size(), b.size());
        };

        private Folding() {}

        static List<String> fold(String[] values, boolean[] foldable) {
            String[] f = values.clone();
            for (int i = 0; i < f.length; i++) {
                if (foldable[i]) {
                    f[i] = OTHER;
                }
            }
            return Arrays.asList(f);
        }
    }
}

package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.metrics.SeriesTable;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A histogram of durations with labels, observed in nanoseconds and exposed in seconds, holding at
 * most {@code maxSeries} label sets; beyond that, as {@link CounterFamily}, observations fold into
 * {@value CounterFamily#OTHER} and are counted.
 */
final class HistogramFamily {

    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final long[] boundsNanos;
    private final String[] boundLabels;
    private final SeriesTable<Series> series;

    /** {@code boundsNanos}: the upper bounds of the buckets, increasing; +Inf is added. */
    HistogramFamily(String name, String help, List<String> labelNames, List<String> foldableLabels, int maxSeries,
            long[] boundsNanos) {
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
        this.series = new SeriesTable<>(labelNames, foldableLabels, maxSeries);
        this.boundsNanos = boundsNanos.clone();
        this.boundLabels = new String[boundsNanos.length];
        for (int i = 0; i < boundsNanos.length; i++) {
            boundLabels[i] = TextFormat.seconds(boundsNanos[i]);
        }
    }

    String name() {
        return name;
    }

    void observe(long nanos, String... labelValues) {
        Series s = series.get(labelValues, () -> new Series(boundsNanos.length + 1));
        int bucket = Arrays.binarySearch(boundsNanos, nanos);
        if (bucket < 0) {
            bucket = -bucket - 1; // first bound above the value; boundsNanos.length is +Inf
        }
        s.buckets.incrementAndGet(bucket);
        s.sumNanos.addAndGet(nanos);
    }

    long folded() {
        return series.folded();
    }

    void write(Appendable out) throws IOException {
        TextFormat.header(out, name, "histogram", help);
        for (Map.Entry<List<String>, Series> e : series.sorted()) {
            List<String> values = e.getKey();
            Series s = e.getValue();
            long cumulative = 0;
            for (int i = 0; i < boundsNanos.length; i++) {
                cumulative += s.buckets.get(i);
                TextFormat.sample(out, name + "_bucket", labelNames, values, "le", boundLabels[i], Long.toString(cumulative));
            }
            cumulative += s.buckets.get(boundsNanos.length);
            String count = Long.toString(cumulative); // +Inf and _count agree even while observations go on
            TextFormat.sample(out, name + "_bucket", labelNames, values, "le", "+Inf", count);
            TextFormat.sample(out, name + "_sum", labelNames, values, null, null, TextFormat.seconds(s.sumNanos.get()));
            TextFormat.sample(out, name + "_count", labelNames, values, null, null, count);
        }
    }

    private static final class Series {
        final AtomicLongArray buckets;
        final AtomicLong sumNanos = new AtomicLong();

        Series(int buckets) {
            this.buckets = new AtomicLongArray(buckets);
        }
    }
}

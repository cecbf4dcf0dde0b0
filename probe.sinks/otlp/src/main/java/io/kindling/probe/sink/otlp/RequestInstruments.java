package io.kindling.probe.sink.otlp;

import io.kindling.probe.api.metrics.SeriesTable;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The request duration histograms of {@link Semconv}, recorded through the SDK's meter. Each metric keeps at
 * most {@code maxSeries} attribute sets, as the Prometheus sink's metrics do ({@link SeriesTable}): beyond, the
 * foldable attributes take the value {@value SeriesTable#OTHER} (a number folded is left out) and the
 * observation is counted as folded. The attribute sets are built once per series and kept in the table, so a
 * request costs a lookup and a record. Called from the sink's delivery thread only.
 */
final class RequestInstruments {

    private record Instrument(DoubleHistogram histogram, SeriesTable<Attributes> series, List<Semconv.Label> labels) {}

    private final Map<Semconv.Metric, Instrument> instruments = new EnumMap<>(Semconv.Metric.class);

    RequestInstruments(Meter meter, int maxSeries) {
        for (Semconv.Metric m : Semconv.Metric.values()) {
            DoubleHistogram histogram = meter.histogramBuilder(m.metricName).setUnit("s").setDescription(m.description)
                    .setExplicitBucketBoundariesAdvice(m.buckets).build();
            List<String> names = m.labels.stream().map(Semconv.Label::name).toList();
            List<String> foldable = m.labels.stream().filter(Semconv.Label::foldable).map(Semconv.Label::name).toList();
            instruments.put(m, new Instrument(histogram, new SeriesTable<>(names, foldable, maxSeries), m.labels));
        }
    }

    void record(NetRequest r) {
        Semconv.Metric metric = Semconv.metric(r);
        Instrument instrument = instruments.get(metric);
        String[] values = Semconv.values(metric, r);
        Attributes attributes = instrument.series().lookup(values, key -> attributes(instrument.labels(), key));
        instrument.histogram().record(r.seconds(), attributes);
    }

    /** Observations of {@code metric} recorded under {@value SeriesTable#OTHER}. */
    long folded(Semconv.Metric metric) {
        return instruments.get(metric).series().folded();
    }

    /** The attributes of one series, from the label values it is kept under. */
    private static Attributes attributes(List<Semconv.Label> labels, List<String> values) {
        AttributesBuilder b = Attributes.builder();
        for (int i = 0; i < labels.size(); i++) {
            Semconv.Label label = labels.get(i);
            String value = values.get(i);
            if (value.isEmpty()) {
                continue;
            }
            if (label.numeric()) {
                try {
                    b.put(AttributeKey.longKey(label.name()), Long.parseLong(value));
                } catch (NumberFormatException e) {
                    // a folded number: left out
                }
            } else {
                b.put(label.name(), value);
            }
        }
        return b.build();
    }
}

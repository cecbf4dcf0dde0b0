package io.kindling.probe.sink.otlp;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The OTLP metric exporter, with its exports counted: those that arrived and those that failed (after the
 * exporter's retries). Metrics are cumulative, so an export that failed loses no observation: the next one that
 * arrives carries the totals.
 */
final class CountingMetricExporter implements MetricExporter {

    private static final Logger LOG = Logger.getLogger(CountingMetricExporter.class.getName());

    private final MetricExporter delegate;
    private final AtomicLong exported = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    CountingMetricExporter(MetricExporter delegate) {
        this.delegate = delegate;
    }

    long exported() {
        return exported.get();
    }

    long failed() {
        return failed.get();
    }

    @Override
    public CompletableResultCode export(Collection<MetricData> metrics) {
        CompletableResultCode result = delegate.export(metrics);
        result.whenComplete(() -> {
            if (result.isSuccess()) {
                exported.incrementAndGet();
            } else if (failed.incrementAndGet() == 1 || failed.get() % 100 == 0) {
                LOG.warning("OTLP metric export failed (" + failed.get() + " so far); the next export carries the totals");
            }
        });
        return result;
    }

    @Override
    public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
        return delegate.getAggregationTemporality(instrumentType);
    }

    @Override
    public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
        return delegate.getDefaultAggregation(instrumentType);
    }

    @Override
    public MemoryMode getMemoryMode() {
        return delegate.getMemoryMode();
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }
}

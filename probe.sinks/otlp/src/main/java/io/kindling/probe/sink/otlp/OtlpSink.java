package io.kindling.probe.sink.otlp;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.common.export.HttpSenderProvider;
import io.opentelemetry.sdk.metrics.ExemplarFilter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * A sink that sends the requests it receives ({@code net_request}) to an OpenTelemetry backend over OTLP
 * (HTTP, protobuf): as duration histograms named by OpenTelemetry's semantic conventions ({@link Semconv}), with
 * the probe's own figures beside them, and as spans for the sampled requests ({@link RequestSpans}). Built on the
 * OpenTelemetry SDK and its OTLP exporter, which sends with the JDK's HTTP client: the {@link HttpSenderProvider}
 * service that a ServiceLoader mediator registers for the {@code opentelemetry-exporter-sender-jdk} bundle.
 * Subscribed to {@code apm_trace_id_event} too, it joins the spans of the requests Kindling's Java agent marked to
 * the agent's traces ({@link ApmTraces}).
 * <p>
 * Never in the probe's way: recording a request costs a lookup and a histogram update; spans wait in a bounded
 * queue of their own; a backend that is down or slow costs dropped spans and failed exports, counted and sent
 * as {@code kindling.otlp.*} metrics once it is back and with the probe's figures for the sink ({@link #statistics()}),
 * never events of other sinks. Stopping sends what is left
 * within {@code shutdown.timeout.ms}. Off until configured; each factory configuration of {@value #PID} makes
 * one more OTLP sink. A new configuration starts it anew.
 */
@Component(name = OtlpSink.PID, service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
@SinkService(sink_name = "otlp", subscriptions = NetRequest.NAME)
@Designate(ocd = OtlpSink.Config.class, factory = true)
public final class OtlpSink implements Sink {

    /** Component name and factory PID. */
    public static final String PID = "io.kindling.probe.sink.otlp";
    static final String SCOPE = "io.kindling.probe.sink.otlp";

    @ObjectClassDefinition(name = "Kindling Probe OTLP sink",
            description = "Sends requests (net_request) as OpenTelemetry metrics and spans over OTLP.")
    public @interface Config {
        @AttributeDefinition(name = "Endpoint", description = "The OTLP/HTTP base URL; metrics go to /v1/metrics, spans to "
                + "/v1/traces under it.")
        String endpoint() default "http://127.0.0.1:4318";

        @AttributeDefinition(name = "Protocol", description = "http/protobuf. grpc is refused: the JDK's HTTP client cannot "
                + "carry it (no cleartext HTTP/2 without an upgrade, no trailers), and the senders that can (OkHttp, "
                + "grpc-java) are a second HTTP stack the probe does not carry.",
                options = {@Option(value = "http/protobuf", label = "HTTP, protobuf")})
        String protocol() default "http/protobuf";

        @AttributeDefinition(name = "Headers", description = "Headers of every export, each NAME=VALUE (an API key, a "
                + "tenant).")
        String[] headers() default {};

        @AttributeDefinition(name = "Timeout (ms)", min = "1", description = "How long one export may take, retries "
                + "included.")
        int timeout_ms() default 10_000;

        @AttributeDefinition(name = "Compression", options = {@Option(value = "none", label = "none"),
                @Option(value = "gzip", label = "gzip")})
        String compression() default "none";

        @AttributeDefinition(name = "Export interval (ms)", min = "100", description = "How often metrics are sent, and "
                + "how long spans wait at most before they are.")
        int export_interval_ms() default 15_000;

        @AttributeDefinition(name = "service.name", description = "The resource's service.name.")
        String service_name() default "kindling-probe";

        @AttributeDefinition(name = "host.name", description = "The resource's host.name; empty: this machine's name.")
        String host_name() default "";

        @AttributeDefinition(name = "Resource attributes", description = "More resource attributes, each KEY=VALUE "
                + "(deployment.environment.name=prod).")
        String[] resource_attributes() default {};

        @AttributeDefinition(name = "Spans of slow requests", description = "Every request the converter calls slow "
                + "(is_slow) becomes a span.")
        boolean spans_slow() default true;

        @AttributeDefinition(name = "Spans of failed requests", description = "Every failed request (is_error) becomes a "
                + "span.")
        boolean spans_failed() default true;

        @AttributeDefinition(name = "Span sample rate", min = "0", max = "1", description = "The fraction of the other "
                + "requests that become spans: 0 none, 1 every one.")
        double span_sample_rate() default 0;

        @AttributeDefinition(name = "Span queue", min = "1", description = "Spans waiting to be sent at most; beyond, "
                + "they are dropped and counted.")
        int span_queue_size() default 8192;

        @AttributeDefinition(name = "Span batch", min = "1", description = "Spans sent in one export at most.")
        int span_batch_size() default 512;

        @AttributeDefinition(name = "Series per metric", min = "1", description = "Attribute sets each metric keeps at "
                + "most; beyond, the high-cardinality attributes take the value other (kindling.metrics.folded).")
        int max_series() default 1000;

        @AttributeDefinition(name = "Shutdown bound (ms)", min = "0", description = "How long stopping may take to send "
                + "what is left.")
        int shutdown_timeout_ms() default 5_000;
    }

    private final SdkMeterProvider meterProvider;
    private final CountingMetricExporter metricExporter;
    private final OtlpHttpSpanExporter spanExporter;
    private final SpanExportQueue spanQueue;
    private final RequestInstruments instruments;
    private final RequestSpans spans;
    private final long shutdownMillis;
    private volatile ProbeControl probe;
    /** Written by the delivery thread only, read by any. */
    private volatile long requests;
    private volatile long sampled;

    @Activate
    public OtlpSink(Config config, @Reference(service = HttpSenderProvider.class) HttpSenderProvider sender) {
        String protocol = config.protocol() == null ? "" : config.protocol().trim().toLowerCase(Locale.ROOT);
        if (!protocol.equals("http/protobuf") && !protocol.isEmpty()) {
            throw new IllegalArgumentException("OTLP protocol '" + config.protocol() + "' is not supported: use http/protobuf"
                    + (protocol.startsWith("grpc") ? " (the JDK's HTTP client cannot carry gRPC: it speaks cleartext HTTP/2 "
                            + "only after an HTTP/1.1 upgrade, which gRPC servers refuse, and reads no trailers, where gRPC "
                            + "puts a call's status; the senders that can, OkHttp or grpc-java, are a second HTTP stack the probe does "
                            + "not carry)" : ""));
        }
        String base = endpoint(config.endpoint());
        String compression = config.compression() == null || config.compression().isBlank() ? "none"
                : config.compression().trim().toLowerCase(Locale.ROOT);
        if (!compression.equals("none") && !compression.equals("gzip")) {
            throw new IllegalArgumentException("OTLP compression '" + config.compression() + "' is not supported: use none or "
                    + "gzip");
        }
        Map<String, String> headers = pairs(config.headers(), "header");
        Duration timeout = Duration.ofMillis(Math.max(1, config.timeout_ms()));
        this.shutdownMillis = Math.max(0, config.shutdown_timeout_ms());
        Resource resource = Resource.getDefault().merge(resource(config));
        ComponentLoader loader = senderOnly(sender);

        OtlpHttpMetricExporterBuilder metrics = OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics")
                .setTimeout(timeout).setCompression(compression).setComponentLoader(loader).setMeterProvider(MeterProvider.noop());
        OtlpHttpSpanExporterBuilder traces = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").setTimeout(timeout)
                .setCompression(compression).setComponentLoader(loader).setMeterProvider(MeterProvider.noop());
        headers.forEach(metrics::addHeader);
        headers.forEach(traces::addHeader);
        this.metricExporter = new CountingMetricExporter(metrics.build());
        this.spanExporter = traces.build();
        int maxSeries = Math.max(1, config.max_series());
        PeriodicMetricReader reader = PeriodicMetricReader.builder(metricExporter)
                .setInterval(Duration.ofMillis(Math.max(100, config.export_interval_ms()))).build();
        this.meterProvider = SdkMeterProvider.builder().setResource(resource).setExemplarFilter(ExemplarFilter.alwaysOff())
                .registerMetricReader(reader, type -> Math.max(2000, maxSeries + 2)).build();
        Meter meter = meterProvider.get(SCOPE);
        this.instruments = new RequestInstruments(meter, maxSeries);
        this.spans = new RequestSpans(config.spans_slow(), config.spans_failed(), config.span_sample_rate(), resource,
                InstrumentationScopeInfo.create(SCOPE));
        this.spanQueue = new SpanExportQueue(spanExporter, config.span_queue_size(), config.span_batch_size(),
                Math.max(100, config.export_interval_ms()), timeout.toMillis(), "kindling-otlp-spans");
        registerOwnFigures(meter);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setProbe(ProbeControl probe) {
        this.probe = probe;
    }

    void unsetProbe(ProbeControl probe) {
        if (this.probe == probe) {
            this.probe = null;
        }
    }

    @Override
    public void deliver(KindlingEvent event) {
        if (!NetRequest.NAME.equals(event.name())) {
            if (ApmTraces.EVENT.equals(event.name())) {
                spans.observeApm(event);
            }
            return;
        }
        NetRequest r = NetRequest.of(event);
        requests++;
        instruments.record(r);
        RequestSpan span = spans.span(r);
        if (span != null) {
            sampled++;
            spanQueue.offer(span);
        }
    }

    /** The run ended: send spans and metrics now rather than at the next interval (without waiting for them). */
    @Override
    public void flush() {
        spanQueue.requestFlush();
        meterProvider.forceFlush();
    }

    @Deactivate
    void deactivate() {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(shutdownMillis);
        spanQueue.shutdown(shutdownMillis / 2);
        meterProvider.shutdown().join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())), TimeUnit.MILLISECONDS);
        spanExporter.shutdown();
    }

    /**
     * What this sink counted since it started, shown with the engine's figures for it ({@code stats}, the probe's
     * metrics): requests taken, spans sampled, joined, exported, and dropped (queue full, or export failed while the
     * backend was down or slow), metric exports that succeeded and failed.
     */
    @Override
    public Map<String, Long> statistics() {
        Map<String, Long> f = new LinkedHashMap<>();
        f.put("requests", requests);
        f.put("spans.sampled", sampled);
        f.put("spans.joined", spans.joined());
        f.put("apm.markers", spans.apmMarkers());
        f.put("spans.apm_joined", spans.apmJoined());
        f.put("spans.exported", spanQueue.exported());
        f.put("spans.dropped.queue_full", spanQueue.droppedQueueFull());
        f.put("spans.dropped.export_failed", spanQueue.droppedExportFailed());
        f.put("metric.exports.ok", metricExporter.exported());
        f.put("metric.exports.failed", metricExporter.failed());
        return f;
    }

    /**
     * The probe's statistics for the current run (events read, dropped by rule, per sink) and this sink's own
     * figures (spans sent and dropped, metric exports that failed, observations folded), as metrics read at each
     * export.
     */
    private void registerOwnFigures(Meter meter) {
        AttributeKey<String> rule = AttributeKey.stringKey("kindling.rule");
        AttributeKey<String> sink = AttributeKey.stringKey("kindling.sink");
        AttributeKey<String> outcome = AttributeKey.stringKey("kindling.outcome");
        meter.counterBuilder("kindling.probe.events.read").setUnit("{event}").setDescription("Events the probe read in this run.")
                .buildWithCallback(m -> withStatistics(s -> m.record(s.read())));
        meter.counterBuilder("kindling.probe.events.dropped").setUnit("{event}")
                .setDescription("Events the probe dropped in this run, by rule.")
                .buildWithCallback(m -> withStatistics(s -> {
                    for (Map.Entry<DropRule, Long> e : s.dropped().entrySet()) {
                        m.record(e.getValue(), Attributes.of(rule, e.getKey().label()));
                    }
                }));
        meter.counterBuilder("kindling.probe.sink.events").setUnit("{event}")
                .setDescription("Events handed to each sink in this run, by outcome: delivered, dropped (queue full), failed.")
                .buildWithCallback(m -> withStatistics(s -> {
                    for (SinkStatistics k : s.sinks()) {
                        m.record(k.delivered(), Attributes.of(sink, k.name(), outcome, "delivered"));
                        m.record(k.dropped(), Attributes.of(sink, k.name(), outcome, "dropped"));
                        m.record(k.failed(), Attributes.of(sink, k.name(), outcome, "failed"));
                    }
                }));
        meter.gaugeBuilder("kindling.probe.sink.figure").ofLongs().setUnit("1")
                .setDescription("The figures each sink reports itself since it started, for example what it lost after it "
                        + "took it.")
                .buildWithCallback(m -> withStatistics(s -> {
                    for (SinkStatistics k : s.sinks()) {
                        k.figures().forEach((name, value) -> m.record(value, Attributes.of(sink, k.name(),
                                AttributeKey.stringKey("kindling.figure"), name)));
                    }
                }));
        meter.gaugeBuilder("kindling.probe.sink.queued").ofLongs().setUnit("{event}")
                .setDescription("Events waiting in each sink's queue.")
                .buildWithCallback(m -> withStatistics(s -> {
                    for (SinkStatistics k : s.sinks()) {
                        m.record(k.queued(), Attributes.of(sink, k.name()));
                    }
                }));
        meter.counterBuilder("kindling.otlp.spans").setUnit("{span}")
                .setDescription("Spans of this sink by outcome: exported, dropped.queue_full, dropped.export_failed.")
                .buildWithCallback(m -> {
                    m.record(spanQueue.exported(), Attributes.of(outcome, "exported"));
                    m.record(spanQueue.droppedQueueFull(), Attributes.of(outcome, "dropped.queue_full"));
                    m.record(spanQueue.droppedExportFailed(), Attributes.of(outcome, "dropped.export_failed"));
                });
        meter.counterBuilder("kindling.otlp.metric.exports").setUnit("{export}")
                .setDescription("Metric exports of this sink by outcome: ok, failed (the next one carries the totals).")
                .buildWithCallback(m -> {
                    m.record(metricExporter.exported(), Attributes.of(outcome, "ok"));
                    m.record(metricExporter.failed(), Attributes.of(outcome, "failed"));
                });
        meter.counterBuilder("kindling.metrics.folded").setUnit("{request}")
                .setDescription("Requests recorded with the attribute value other because their metric was full.")
                .buildWithCallback(m -> {
                    for (Semconv.Metric metric : Semconv.Metric.values()) {
                        m.record(instruments.folded(metric), Attributes.of(AttributeKey.stringKey("kindling.metric"),
                                metric.metricName));
                    }
                });
    }

    private void withStatistics(java.util.function.Consumer<Statistics> use) {
        ProbeControl p = probe;
        Statistics s = p == null ? null : p.statistics();
        if (s != null) {
            use.accept(s);
        }
    }

    /** Finds the JDK sender as the OSGi service it is, rather than through the exporter bundle's class loader. */
    private static ComponentLoader senderOnly(HttpSenderProvider sender) {
        return new ComponentLoader() {
            @Override
            public <T> Iterable<T> load(Class<T> type) {
                return type.isInstance(sender) ? List.of(type.cast(sender)) : List.of();
            }
        };
    }

    static String endpoint(String text) {
        String e = text == null ? "" : text.trim();
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(e);
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException("OTLP endpoint '" + text + "' is not a URL: " + x.getMessage());
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("OTLP endpoint '" + text + "' is not an http or https URL (http://HOST:4318)");
        }
        return e;
    }

    private static Resource resource(Config config) {
        AttributesBuilder b = Attributes.builder();
        pairs(config.resource_attributes(), "resource attribute").forEach(b::put);
        b.put("service.name", config.service_name() == null || config.service_name().isBlank() ? "kindling-probe"
                : config.service_name().trim());
        String host = config.host_name() == null || config.host_name().isBlank() ? hostName() : config.host_name().trim();
        if (!host.isEmpty()) {
            b.put("host.name", host);
        }
        return Resource.create(b.build());
    }

    private static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (Exception e) {
            // not Linux: ask the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "";
        }
    }

    /** {@code NAME=VALUE} pairs, in order; anything else is refused with a message that says which. */
    static Map<String, String> pairs(String[] items, String what) {
        Map<String, String> map = new LinkedHashMap<>();
        if (items == null) {
            return map;
        }
        for (String item : items) {
            if (item == null || item.isBlank()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("OTLP " + what + " '" + item + "' is not NAME=VALUE");
            }
            map.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
        }
        return map;
    }
}

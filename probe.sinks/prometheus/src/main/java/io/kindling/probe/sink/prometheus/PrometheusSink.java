package io.kindling.probe.sink.prometheus;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.api.spi.SinkService;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.annotations.RequireHttpWhiteboard;

/**
 * A sink that counts the events it receives (see {@link EventMetrics}) and serves the counts, with the
 * probe's own statistics, in the Prometheus text format at {@code http://HOST:PORT/metrics}: by default
 * on 127.0.0.1 only. Off until configured; each factory configuration of {@value #PID} makes one more
 * Prometheus sink, each with its own port (see {@link FelixHttpEndpoint}).
 * <p>
 * A change of host, port or path moves the endpoint and keeps the counts; a change of the
 * subscriptions keeps both. The counts start from zero when the sink starts.
 */
@Component(name = PrometheusSink.PID, service = Sink.class, configurationPolicy = ConfigurationPolicy.REQUIRE)
@SinkService(sink_name = "prometheus")
@Designate(ocd = PrometheusSink.Config.class, factory = true)
@RequireHttpWhiteboard
public final class PrometheusSink implements Sink {

    /** Component name and factory PID. */
    public static final String PID = "io.kindling.probe.sink.prometheus";

    @ObjectClassDefinition(name = "Kindling Probe Prometheus sink",
            description = "Counts the subscribed events and serves the counts and the probe's statistics "
                    + "in the Prometheus text format.")
    public @interface Config {
        @AttributeDefinition(name = "Host", description = "Address to listen on; 0.0.0.0 for every interface.")
        String host() default "127.0.0.1";

        @AttributeDefinition(name = "Port", min = "1", max = "65535", description = "TCP port of the metrics endpoint.")
        int port() default 9500;

        @AttributeDefinition(name = "Path", description = "Path of the metrics endpoint.")
        String path() default "/metrics";

        @AttributeDefinition(name = "Series per metric", min = "1",
                description = "Label sets each metric keeps at most; observations beyond are counted under the "
                        + "label value other, and in kindling_metrics_folded_total. Applies when the sink starts.")
        int max_series() default 1000;
    }

    /** Jetty's and Felix HTTP's INFO messages show from WARNING on unless logging is configured. */
    private static final List<Logger> HTTP_LOGS = List.of(Logger.getLogger("org.eclipse.jetty"), Logger.getLogger("org.apache.felix.http"));

    private final BundleContext context;
    private final ConfigurationAdmin configurationAdmin;
    private final String instance;
    private final EventMetrics metrics;
    private final MetricsServlet servlet;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ProbeControl probe;

    private Endpoint endpoint;
    private FelixHttpEndpoint http;

    private record Endpoint(String host, int port, String path) {
        static Endpoint of(Config config) {
            String path = config.path() == null || config.path().isBlank() ? "/metrics" : config.path().trim();
            return new Endpoint(config.host().trim(), config.port(), path.startsWith("/") ? path : "/" + path);
        }
    }

    @Activate
    public PrometheusSink(BundleContext context, @Reference ConfigurationAdmin configurationAdmin, Config config,
            Map<String, Object> properties) throws IOException {
        for (Logger log : HTTP_LOGS) {
            if (log.getLevel() == null) {
                log.setLevel(Level.WARNING);
            }
        }
        this.context = context;
        this.configurationAdmin = configurationAdmin;
        this.instance = instanceName(String.valueOf(properties.getOrDefault("service.pid", Sink.nameOf(properties))));
        this.metrics = new EventMetrics(config.max_series());
        this.servlet = new MetricsServlet(metrics, this::probeStatistics);
        open(Endpoint.of(config));
    }

    @Modified
    void modified(Config config) throws IOException {
        Endpoint next = Endpoint.of(config);
        if (!next.equals(endpoint)) {
            closeEndpoint();
            open(next);
        }
    }

    @Deactivate
    void deactivate() {
        closeEndpoint();
    }

    @Override
    public void deliver(KindlingEvent event) {
        metrics.record(event);
    }

    private synchronized void open(Endpoint e) throws IOException {
        http = FelixHttpEndpoint.open(context, configurationAdmin, instance, e.host(), e.port(), e.path(), servlet);
        endpoint = e;
    }

    private synchronized void closeEndpoint() {
        if (http != null) {
            http.close();
            http = null;
            endpoint = null;
        }
    }

    private Statistics probeStatistics() {
        ProbeControl p = probe;
        return p == null ? null : p.statistics();
    }

    /** The Felix HTTP instance's name: {@code kindling-} and this configuration's PID, made safe for a filter. */
    static String instanceName(String pid) {
        String suffix = pid.startsWith(PID) ? pid.substring(PID.length()) : pid;
        StringBuilder b = new StringBuilder("kindling-prometheus");
        for (int i = 0; i < suffix.length(); i++) {
            char c = suffix.charAt(i);
            b.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '-');
        }
        return b.toString();
    }
}

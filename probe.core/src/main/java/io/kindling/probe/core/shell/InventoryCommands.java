package io.kindling.probe.core.shell;

import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.Properties;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code sinks} and {@code converters}: what takes part in the probe, from which bundle, with its figures. */
@Component(service = InventoryCommands.class)
@GogoCommand(scope = "probe", function = {"sinks", "converters"})
@Descriptor("the Kindling probe: its sinks and converters")
public final class InventoryCommands {

    private final ProbeControl control;
    private final BundleContext context;
    private final SinkServices sinks;

    @Activate
    public InventoryCommands(@Reference ProbeControl control, @Reference ProbeRouting routing, BundleContext context) {
        this.control = control;
        this.context = context;
        this.sinks = new SinkServices(context, routing);
    }

    @Descriptor("lists each sink: its bundle, its configuration, its subscriptions and its figures (delivered, queued,"
            + " dropped, failed)")
    public String sinks(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) {
        if (help) {
            return Usage.of(getClass(), "sinks");
        }
        Usage.operands(getClass(), "sinks", operands, 0, 0);
        List<ServiceReference<Sink>> all = sinks.sorted();
        if (all.isEmpty()) {
            return "no sinks (configure one, or drop a sink bundle into the deploy folder)";
        }
        Map<String, SinkStatistics> figures = control.statistics().sinks().stream()
                .collect(Collectors.toMap(SinkStatistics::name, s -> s, (x, y) -> x));
        StringBuilder out = new StringBuilder();
        for (ServiceReference<Sink> sink : all) {
            String name = SinkServices.name(sink);
            List<String> subs = sinks.subscriptions(sink);
            out.append(name).append("  bundle ").append(bundle(sink.getBundle())).append("  ")
                    .append(SinkConfigurations.origin(sink)).append('\n');
            out.append("  subscriptions: ").append(subs.isEmpty() ? "(none)" : String.join(", ", subs)).append('\n');
            SinkStatistics s = figures.get(name);
            if (s != null) {
                out.append("  delivered ").append(s.delivered()).append(", queued ").append(s.queued()).append(", dropped ")
                        .append(s.dropped()).append(", failed ").append(s.failed());
                s.figures().forEach((k, v) -> out.append(", ").append(k).append(' ').append(v));
                out.append('\n');
            }
        }
        return out.toString().stripTrailing();
    }

    @Descriptor("lists each converter in the order they run: what it claims, its ranking, its bundle and its figures")
    public String converters(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) {
        if (help) {
            return Usage.of(getClass(), "converters");
        }
        Usage.operands(getClass(), "converters", operands, 0, 0);
        List<ServiceReference<Converter>> refs = SinkServices.services(context, Converter.class);
        if (refs.isEmpty()) {
            return "no converters: events carry the thread and fd number, and up to 8 raw parameters as attributes";
        }
        refs.sort(Comparator.<ServiceReference<Converter>>comparingInt(r -> -ranking(r)).thenComparingLong(SinkServices::serviceId));
        Map<String, ConverterStatistics> figures = control.converterStatistics().stream()
                .collect(Collectors.toMap(ConverterStatistics::name, s -> s, (x, y) -> x));
        StringBuilder out = new StringBuilder();
        for (ServiceReference<Converter> r : refs) {
            String name = Converter.nameOf(SinkServices.properties(r));
            out.append(name).append("  ranking ").append(ranking(r)).append("  bundle ").append(bundle(r.getBundle())).append('\n');
            out.append("  claims: ").append(String.join("; ", claims(r))).append('\n');
            ConverterStatistics s = figures.get(name);
            if (s != null) {
                out.append("  ").append(s.active() ? "active" : "inactive (no sink subscribes to what it emits)")
                        .append(", observed ").append(s.observed()).append(", emitted ").append(s.emitted());
                s.figures().forEach((k, v) -> out.append(", ").append(k).append(' ').append(v));
                out.append('\n');
            }
        }
        return out.toString().stripTrailing();
    }

    /** What a converter claims by its service properties (an empty property is an absent one). */
    private static List<String> claims(ServiceReference<Converter> r) {
        List<String> claims = new ArrayList<>();
        claim(claims, "events", r.getProperty(Converter.EVENTS));
        claim(claims, "fd types", r.getProperty(Converter.FD_TYPES));
        if (claims.isEmpty() && Properties.strings(r.getProperty(Converter.EMITS)).isEmpty()
                && Properties.strings(r.getProperty(Converter.NEEDS)).isEmpty()) {
            claims.add("every event");
        }
        if (Boolean.parseBoolean(String.valueOf(r.getProperty(Converter.PROVIDES_ATTRIBUTES)))) {
            claims.add("writes the attributes");
        }
        claim(claims, "emits", r.getProperty(Converter.EMITS));
        claim(claims, "needs", r.getProperty(Converter.NEEDS));
        claim(claims, "needs without thread", r.getProperty(Converter.NEEDS_THREADLESS));
        return claims;
    }

    private static void claim(List<String> claims, String what, Object value) {
        Collection<String> values = Properties.strings(value);
        if (!values.isEmpty()) {
            claims.add(what + " " + String.join(",", values));
        }
    }

    private static int ranking(ServiceReference<?> r) {
        Object v = r.getProperty(Constants.SERVICE_RANKING);
        return v instanceof Integer i ? i : 0;
    }

    private static String bundle(Bundle b) {
        return b == null ? "(gone)" : b.getSymbolicName() + " " + b.getVersion() + " [" + b.getBundleId() + "]";
    }
}

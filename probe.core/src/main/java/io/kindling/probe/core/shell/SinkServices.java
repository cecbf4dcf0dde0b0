package io.kindling.probe.core.shell;

import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.Properties;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The sink services as the commands see them, looked up when a command runs (a sink configured a
 * moment ago is there), named by the rule the engine uses ({@link Sink#nameOf}), with the
 * subscriptions the engine routes them with.
 */
final class SinkServices {
    private final BundleContext context;
    private final ProbeRouting routing;

    SinkServices(BundleContext context, ProbeRouting routing) {
        this.context = context;
        this.routing = routing;
    }

    static <S> List<ServiceReference<S>> services(BundleContext context, Class<S> type) {
        try {
            return new ArrayList<>(context.getServiceReferences(type, null));
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> properties(ServiceReference<?> reference) {
        Map<String, Object> map = new HashMap<>();
        for (String key : reference.getPropertyKeys()) {
            map.put(key, reference.getProperty(key));
        }
        return map;
    }

    static String name(ServiceReference<?> sink) {
        return Sink.nameOf(properties(sink));
    }

    static long serviceId(ServiceReference<?> r) {
        Object id = r.getProperty(Constants.SERVICE_ID);
        return id instanceof Long l ? l : 0L;
    }

    /** Every sink, by name. */
    List<ServiceReference<Sink>> sorted() {
        List<ServiceReference<Sink>> list = services(context, Sink.class);
        list.sort(Comparator.comparing(SinkServices::name).thenComparingLong(SinkServices::serviceId));
        return list;
    }

    /** The sink named {@code name}, or the only sink when {@code name} is empty. */
    ServiceReference<Sink> named(String command, String name) {
        List<ServiceReference<Sink>> sinks = sorted();
        String names = sinks.stream().map(SinkServices::name).collect(Collectors.joining(", "));
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException(command + ": there is no sink (configure one, or drop a sink bundle into the"
                    + " deploy folder)");
        }
        if (name.isEmpty()) {
            if (sinks.size() > 1) {
                throw new IllegalArgumentException(command + ": there are several sinks (" + names + "); choose one with --sink");
            }
            return sinks.get(0);
        }
        List<ServiceReference<Sink>> named = sinks.stream().filter(s -> name(s).equals(name)).collect(Collectors.toList());
        if (named.isEmpty()) {
            throw new IllegalArgumentException(command + ": no sink is named '" + name + "'; the sinks are " + names);
        }
        if (named.size() > 1) {
            throw new IllegalArgumentException(command + ": several sinks are named '" + name + "'");
        }
        return named.get(0);
    }

    /** The subscriptions the engine routes the sink with (its service property when the engine does not list it). */
    List<String> subscriptions(ServiceReference<Sink> sink) {
        List<Subscription> routed = routing.routing().sinks().get(name(sink));
        if (routed != null) {
            return routed.stream().map(Subscription::toString).distinct().collect(Collectors.toList());
        }
        return new ArrayList<>(Properties.strings(sink.getProperty(Sink.SUBSCRIPTIONS)));
    }
}

package io.kindling.probe.api.control;

import java.util.List;
import java.util.Map;

/**
 * What the engine routes with: each sink's subscriptions (by sink name, see
 * {@link io.kindling.probe.api.spi.Sink#nameOf}, in name order), the subscriptions that the inspector's filter is
 * built from (the sinks' and the active converters' needs), how many (event type, category) cells of
 * that filter are set, and the process names whose events the inspector suppresses.
 *
 * @since 1.3
 */
public record RoutingView(Map<String, List<Subscription>> sinks, List<Subscription> filter, int filterCells,
        List<String> suppressed) {

    public RoutingView {
        sinks = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(sinks));
        filter = List.copyOf(filter);
        suppressed = List.copyOf(suppressed);
    }
}

package io.kindling.probe.core;

import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Checks a sink's {@link Sink#SUBSCRIPTIONS} property against the catalog. */
final class SinkSubscriptions {
    private SinkSubscriptions() {}

    /** What is wrong with the sink's subscriptions, or {@code null} when every one is valid. */
    static String problem(EventCatalog catalog, Map<String, ?> props) {
        List<String> problems = new ArrayList<>();
        for (String text : Properties.strings(props.get(Sink.SUBSCRIPTIONS))) {
            try {
                Subscription s = Subscription.parse(text);
                if (s.name().isEmpty()) {
                    problems.add("'" + text + "' has no event name");
                    continue;
                }
                catalog.check(s);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }
}

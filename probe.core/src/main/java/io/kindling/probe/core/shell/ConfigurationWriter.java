package io.kindling.probe.core.shell;

import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.RoutingView;
import io.kindling.probe.core.Properties;
import java.io.IOException;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * What the commands change is written into Configuration Admin, so that it persists: a sink's
 * subscriptions into the sink's configuration, suppressed process names into the engine's. The
 * configuration is delivered asynchronously; {@link #await} returns once the engine routes with it.
 */
@Component(service = ConfigurationWriter.class)
public final class ConfigurationWriter {
    static final String CORE_PID = "io.kindling.probe.core";
    /** The engine configuration's property of its suppressed process names. */
    static final String SUPPRESSED = "suppressed.comms";
    static final long APPLY_TIMEOUT_MILLIS = 10_000;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configurationAdmin;

    private ConfigurationAdmin admin() {
        ConfigurationAdmin admin = configurationAdmin;
        if (admin == null) {
            throw new IllegalStateException("Configuration Admin is not running (bundle org.apache.felix.configadmin):"
                    + " subscriptions and suppressed processes cannot be saved");
        }
        return admin;
    }

    /** Writes the sink's subscriptions into its configuration; returns the PID written. */
    String subscriptions(ServiceReference<?> sink, String name, List<String> subscriptions) throws IOException {
        return SinkConfigurations.write(admin(), sink, name, subscriptions);
    }

    /**
     * The suppressed process names of the engine's configuration; empty when the configuration has none,
     * in which case the engine's defaults are in force.
     */
    Optional<List<String>> suppressed() throws IOException {
        Dictionary<String, Object> properties = admin().getConfiguration(CORE_PID, "?").getProperties();
        if (properties == null || properties.get(SUPPRESSED) == null) {
            return Optional.empty();
        }
        return Optional.of(List.copyOf(Properties.strings(properties.get(SUPPRESSED))));
    }

    /** Writes the suppressed process names into the engine's configuration. */
    void suppressed(Collection<String> names) throws IOException {
        Configuration configuration = admin().getConfiguration(CORE_PID, "?");
        Dictionary<String, Object> properties = configuration.getProperties();
        if (properties == null) {
            properties = new Hashtable<>();
        }
        properties.put(SUPPRESSED, names.toArray(new String[0]));
        configuration.update(properties);
    }

    /** Waits until the engine routes with what was written; {@code failure} says what did not happen. */
    void await(ProbeRouting routing, Predicate<RoutingView> done, String failure) {
        try {
            if (!routing.awaitRouting(done, APPLY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(failure + " within " + APPLY_TIMEOUT_MILLIS / 1000 + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}

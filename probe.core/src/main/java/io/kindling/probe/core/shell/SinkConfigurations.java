package io.kindling.probe.core.shell;

import io.kindling.probe.api.spi.Sink;
import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * A sink's subscriptions live in its configuration: the one whose {@code service.pid} the sink's
 * service carries (a factory configuration of the console or jsonl sink, a {@code .cfg} file of
 * the config folder), or, for a Declarative Services sink without one yet, a new configuration
 * under its component name.
 */
final class SinkConfigurations {
    private SinkConfigurations() {}

    /** Where the sink's subscriptions come from, for display. */
    static String origin(ServiceReference<?> sink) {
        String pid = pid(sink);
        if (pid != null) {
            return "configuration " + pid;
        }
        return sink.getProperty("component.name") != null ? "component properties" : "service properties";
    }

    static String pid(ServiceReference<?> sink) {
        Object pid = sink.getProperty(Constants.SERVICE_PID);
        if (pid instanceof String s) {
            return s;
        }
        if (pid instanceof String[] a && a.length > 0) {
            return a[a.length - 1]; // DS lists the component's PIDs in order; the last one wins on conflicts
        }
        if (pid instanceof java.util.Collection<?> c && !c.isEmpty()) {
            Object last = null;
            for (Object o : c) {
                last = o;
            }
            return String.valueOf(last);
        }
        return null;
    }

    /**
     * Writes the sink's subscriptions into its configuration and returns the PID written. Throws
     * {@link IllegalStateException} for a sink whose subscriptions only come from its service
     * registration.
     */
    static String write(ConfigurationAdmin admin, ServiceReference<?> sink, String sinkName, List<String> subscriptions)
            throws IOException {
        String pid = pid(sink);
        Configuration configuration = null;
        if (pid != null) {
            configuration = existing(admin, pid);
        }
        if (configuration == null) {
            Object component = sink.getProperty("component.name");
            if (pid == null && component == null) {
                throw new IllegalStateException("sink " + sinkName + " is registered by bundle "
                        + sink.getBundle().getSymbolicName() + " with fixed subscriptions; they cannot be changed here");
            }
            configuration = admin.getConfiguration(pid != null ? pid : component.toString(), "?");
        }
        Dictionary<String, Object> properties = configuration.getProperties();
        if (properties == null) {
            properties = new Hashtable<>();
        }
        properties.put(Sink.SUBSCRIPTIONS, subscriptions.toArray(new String[0]));
        configuration.update(properties);
        return configuration.getPid();
    }

    private static Configuration existing(ConfigurationAdmin admin, String pid) throws IOException {
        try {
            Configuration[] found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
            return found == null || found.length == 0 ? null : found[0];
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("configuration PID '" + pid + "': " + e.getMessage(), e);
        }
    }

    private static String escape(String value) {
        StringBuilder b = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '(' || c == ')' || c == '*') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}

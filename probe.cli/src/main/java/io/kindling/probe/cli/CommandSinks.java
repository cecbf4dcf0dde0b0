package io.kindling.probe.cli;

import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The command line's sinks. Each is a factory configuration of its sink bundle's component, named
 * after its kind ({@code jsonl}, {@code jsonl-2}, ...): for one run of the {@code probe} command
 * (tied to it by {@value SinkSpec#RUN_ID}, deleted when it ends) or kept in the shell's data folder.
 * This class creates them, and waits until they are registered, until the engine routes to them,
 * and until they are gone, through the command line's {@link Monitor}.
 */
final class CommandSinks {

    static final long START_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(30);

    /** How long a finished run waits for its sinks to go away. */
    static final long GONE_MILLIS = 3000;

    /**
     * How long the engine may take to route to a new sink before the run opens: as long as a start may take,
     * since on a busy node (a container limited to one CPU on a loaded machine) 10 s were seen not to suffice.
     */
    static final long ROUTING_MILLIS = START_TIMEOUT_MILLIS;

    private final Monitor monitor;
    /** Each sink service: its name and its run ({@code null}: none). Guarded by the monitor. */
    private final Map<ServiceReference<Sink>, Registered> registered = new HashMap<>();

    /** A sink service: its name, its run, and the configuration file it comes from ({@code null}: none). */
    private record Registered(String name, String runId, Object file) {}

    /** The sinks created together: their specs by name, and their configurations. */
    record Created(Map<String, SinkSpec> byName, List<Configuration> configurations) {

        /** Removes the sinks: their services go away. */
        void delete() {
            for (Configuration configuration : configurations) {
                try {
                    configuration.delete();
                } catch (IOException | IllegalStateException e) {
                    // already gone, or Configuration Admin is stopping: nothing is left to remove
                }
            }
        }
    }

    CommandSinks(Monitor monitor) {
        this.monitor = monitor;
    }

    void added(ServiceReference<Sink> reference) {
        Object runId = reference.getProperty(SinkSpec.RUN_ID);
        synchronized (monitor) {
            registered.put(reference, new Registered(String.valueOf(reference.getProperty(Sink.NAME)),
                    runId == null ? null : runId.toString(), reference.getProperty(ConfigFolder.FILENAME)));
        }
        monitor.changed();
    }

    void removed(ServiceReference<Sink> reference) {
        synchronized (monitor) {
            registered.remove(reference);
        }
        monitor.changed();
    }

    /**
     * Creates a sink for each spec with these subscriptions, for run {@code runId} (null: a sink
     * kept beyond the run), except those whose name is in {@code existing}.
     */
    Created create(ConfigurationAdmin admin, List<SinkSpec> specs, List<Subscription> subscriptions, String runId,
            Set<String> existing) throws IOException {
        Map<String, SinkSpec> byName = new LinkedHashMap<>();
        Set<String> names = new LinkedHashSet<>();
        List<Configuration> configurations = new ArrayList<>();
        Created created = new Created(byName, configurations);
        try {
            for (SinkSpec spec : specs) {
                String name = uniqueName(spec.kind().label(), names);
                names.add(name);
                if (existing.contains(name)) {
                    continue;
                }
                Configuration configuration = admin.createFactoryConfiguration(spec.kind().factoryPid(), "?");
                configurations.add(configuration);
                configuration.update(new Hashtable<>(spec.configuration(name, subscriptions, runId)));
                byName.put(name, spec);
            }
            return created;
        } catch (IOException | RuntimeException e) {
            created.delete();
            throw e;
        }
    }

    /** Waits until every sink created is registered; the message of a failure names the missing sinks and their bundles. */
    void awaitRegistered(Created created, String runId) throws CommandException {
        Set<String> missing = new LinkedHashSet<>(created.byName().keySet());
        if (!monitor.await(() -> {
            registered.values().forEach(r -> {
                if (Objects.equals(r.runId(), runId)) {
                    missing.remove(r.name());
                }
            });
            return missing.isEmpty();
        }, START_TIMEOUT_MILLIS, "the sinks")) {
            Set<String> bundles = new LinkedHashSet<>();
            missing.forEach(name -> bundles.add(created.byName().get(name).kind().bundle()));
            throw new CommandException(Exit.FAILURE, "the sink " + String.join(", ", missing) + " did not start within "
                    + START_TIMEOUT_MILLIS / 1000 + " s: is the bundle " + String.join(", ", bundles) + " installed and active?");
        }
    }

    /**
     * Waits until a sink service is registered for each configuration file named (values of
     * {@value ConfigFolder#FILENAME}); returns their names.
     */
    Set<String> awaitFromFiles(Set<String> files) throws CommandException {
        Set<String> names = new TreeSet<>();
        Set<String> missing = new TreeSet<>(files);
        if (!monitor.await(() -> {
            registered.values().forEach(r -> {
                if (r.file() != null && missing.remove(r.file().toString())) {
                    names.add(r.name());
                }
            });
            return missing.isEmpty();
        }, START_TIMEOUT_MILLIS, "the sinks of the configuration folder")) {
            throw new CommandException(Exit.FAILURE, "the sinks of " + String.join(", ", missing) + " did not start within "
                    + START_TIMEOUT_MILLIS / 1000 + " s: see the log for the configuration's error");
        }
        return names;
    }

    /**
     * The engine binds a new sink in the same service event that tells the command about it, but
     * possibly just after: waits until it routes to every sink named, so that a run opened next
     * delivers to them.
     */
    static void awaitRouted(ProbeRouting routing, Set<String> names) throws CommandException {
        try {
            if (!routing.awaitRouting(view -> view.sinks().keySet().containsAll(names), ROUTING_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new CommandException(Exit.FAILURE, "the engine did not take the sinks " + names + " within "
                        + ROUTING_MILLIS / 1000 + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException(Exit.FAILURE, "interrupted while the sinks " + names + " were starting");
        }
    }

    /**
     * Waits (briefly) until the run's sink services are gone, so that Configuration Admin has delivered
     * the deletions before the command returns and the framework stops.
     */
    void awaitGone(String runId) {
        try {
            monitor.await(() -> registered.values().stream().noneMatch(r -> runId.equals(r.runId())), GONE_MILLIS, "the sinks to stop");
        } catch (CommandException stopping) {
            // the framework stops: the sinks go with it
        }
    }

    /** {@code base}, or {@code base-2}, {@code base-3}, ... whichever is not taken. */
    static String uniqueName(String base, Set<String> taken) {
        String name = base;
        for (int n = 2; taken.contains(name); n++) {
            name = base + "-" + n;
        }
        return name;
    }
}

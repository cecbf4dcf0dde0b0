package io.kindling.probe.cli;

import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeRouting;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.api.spi.Sink;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@code probe} command inside the exported jar. bnd's launcher registers itself as a service
 * with the program's arguments in {@code launcher.arguments}, waits until a {@link Callable}
 * service with {@code main.thread=true} is registered, calls it once on the main thread, and exits
 * with the {@code Integer} it returns.
 *
 * <p>This component is that Callable. Its only mandatory reference is the launcher, which is
 * registered before any bundle starts, so the Callable is there as soon as this bundle is active;
 * the engine, Configuration Admin and the sinks are optional dynamic references that
 * {@link #call()} waits for, with a time limit, so that a missing bundle gives a message rather
 * than a launcher waiting for ever.
 */
@Component(service = Callable.class, immediate = true, property = "main.thread=true")
public final class ProbeCommand implements Callable<Integer>, ProbeServices {

    /** Service property of bnd's launcher: the program's arguments ({@code String[]}). */
    static final String LAUNCHER_ARGUMENTS = "launcher.arguments";

    /**
     * Framework or system property: a capture that a bare {@code probe} replays instead of the sample
     * bundled in this bundle.
     */
    static final String SAMPLE_PROPERTY = "kindling.sample";

    /**
     * The sample capture in this bundle, written by the capture generator when the bundle is built (see
     * the pom); it is copied to a temporary file because libsinsp reads files.
     */
    static final String SAMPLE_RESOURCE = "sample.scap";

    static final long START_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(30);

    /** How long a finished command waits for its sinks to go away. */
    static final long SINK_GONE_MILLIS = 3000;

    /** How long the engine may take to route to a new sink before the run opens. */
    static final long BIND_GRACE_MILLIS = 10_000;

    private final Object lock = new Object();
    private volatile String[] arguments = new String[0];
    private BundleContext context;
    private ProbeControl control;
    private ProbeRouting routing;
    private ServiceReference<ProbeControl> controlReference;
    private ConfigurationAdmin configurationAdmin;
    private final Map<ServiceReference<Sink>, String> runSinks = new HashMap<>();
    private boolean active;

    @Reference(service = Object.class, target = "(" + LAUNCHER_ARGUMENTS + "=*)", updated = "updatedLauncher")
    void setLauncher(Map<String, Object> properties) {
        arguments = toStrings(properties.get(LAUNCHER_ARGUMENTS));
    }

    void updatedLauncher(Map<String, Object> properties) {
        setLauncher(properties);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setControl(ServiceReference<ProbeControl> reference, ProbeControl service) {
        synchronized (lock) {
            controlReference = reference;
            control = service;
            lock.notifyAll();
        }
    }

    void unsetControl(ProbeControl service) {
        synchronized (lock) {
            if (control == service) {
                control = null;
                controlReference = null;
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setRouting(ProbeRouting service) {
        synchronized (lock) {
            routing = service;
            lock.notifyAll();
        }
    }

    void unsetRouting(ProbeRouting service) {
        synchronized (lock) {
            if (routing == service) {
                routing = null;
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setConfigurationAdmin(ConfigurationAdmin service) {
        synchronized (lock) {
            configurationAdmin = service;
            lock.notifyAll();
        }
    }

    void unsetConfigurationAdmin(ConfigurationAdmin service) {
        synchronized (lock) {
            if (configurationAdmin == service) {
                configurationAdmin = null;
            }
        }
    }

    /** Only the sinks that this command configured carry a run id; the service object is never taken. */
    @Reference(service = Sink.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + SinkSpec.RUN_ID + "=*)")
    void addSink(ServiceReference<Sink> reference) {
        synchronized (lock) {
            runSinks.put(reference, String.valueOf(reference.getProperty(SinkSpec.RUN_ID)));
            lock.notifyAll();
        }
    }

    void removeSink(ServiceReference<Sink> reference) {
        synchronized (lock) {
            runSinks.remove(reference);
            lock.notifyAll();
        }
    }

    @Activate
    void activate(BundleContext bundleContext) {
        synchronized (lock) {
            context = bundleContext;
            active = true;
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (lock) {
            active = false;
            lock.notifyAll();
        }
    }

    /** Runs the command line on the launcher's main thread; the result is the process's exit status. */
    @Override
    public Integer call() {
        CommandRunner runner = new CommandRunner(this, System.out, System.err);
        Thread hook = new Thread(() -> runner.stop(5_000), "probe-stop");
        boolean hooked = addShutdownHook(hook);
        try {
            return runner.run(arguments);
        } finally {
            if (hooked) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to: it waits for the summary printed above
                }
            }
        }
    }

    @Override
    public ProbeControl control() throws CommandException {
        synchronized (lock) {
            await(() -> control != null, START_TIMEOUT_MILLIS, "the probe engine (bundle io.kindling.probe.core)");
            return control;
        }
    }

    @Override
    public Sinks startSinks(List<SinkSpec> specs, List<Subscription> subscriptions) throws CommandException {
        String runId = UUID.randomUUID().toString();
        List<Configuration> configurations = new ArrayList<>();
        Map<String, SinkSpec> byName = new LinkedHashMap<>();
        Sinks sinks = () -> {
            delete(configurations);
            awaitGone(runId);
        };
        try {
            ConfigurationAdmin admin;
            synchronized (lock) {
                await(() -> configurationAdmin != null, START_TIMEOUT_MILLIS,
                        "Configuration Admin (bundle org.apache.felix.configadmin)");
                admin = configurationAdmin;
            }
            for (SinkSpec spec : specs) {
                String name = uniqueName(spec.kind().label(), byName.keySet());
                byName.put(name, spec);
                Configuration configuration = admin.createFactoryConfiguration(spec.kind().factoryPid(), "?");
                configurations.add(configuration);
                configuration.update(new Hashtable<>(spec.configuration(name, subscriptions, runId)));
            }
            List<ServiceReference<Sink>> started;
            synchronized (lock) {
                long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
                while (active && sinksOf(runId).size() < specs.size() && System.currentTimeMillis() < deadline) {
                    lock.wait(Math.max(1, deadline - System.currentTimeMillis()));
                }
                started = sinksOf(runId);
                if (!active) {
                    throw new CommandException(Exit.FAILURE, "the framework is stopping");
                }
            }
            if (started.size() < specs.size()) {
                Set<String> missing = new LinkedHashSet<>(byName.keySet());
                started.forEach(reference -> missing.remove(String.valueOf(reference.getProperty(Sink.NAME))));
                Set<String> bundles = new LinkedHashSet<>();
                missing.forEach(name -> bundles.add(byName.get(name).kind().bundle()));
                throw new CommandException(Exit.FAILURE, "the sink " + String.join(", ", missing) + " did not start within "
                        + START_TIMEOUT_MILLIS / 1000 + " s: is the bundle " + String.join(", ", bundles)
                        + " installed and active?");
            }
            awaitEngineUses(started);
            return sinks;
        } catch (IOException e) {
            sinks.close();
            throw new CommandException(Exit.FAILURE, "cannot configure the sinks: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sinks.close();
            throw new CommandException(Exit.FAILURE, "interrupted while the sinks were starting");
        } catch (CommandException | RuntimeException e) {
            sinks.close();
            throw e;
        }
    }

    @Override
    public Sinks startOwnSink(Sink sink, String name, List<Subscription> subscriptions) throws CommandException {
        BundleContext bundleContext;
        synchronized (lock) {
            bundleContext = context;
        }
        if (bundleContext == null) {
            throw new CommandException(Exit.FAILURE, "the framework is stopping");
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.NAME, name);
        properties.put(Sink.SUBSCRIPTIONS, subscriptions.stream().map(Subscription::toString).toArray(String[]::new));
        org.osgi.framework.ServiceRegistration<Sink> registration = bundleContext.registerService(Sink.class, sink, properties);
        Sinks sinks = () -> {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already unregistered with the framework stopping
            }
        };
        try {
            awaitEngineUses(List.of(registration.getReference()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sinks.close();
            throw new CommandException(Exit.FAILURE, "interrupted while the sink was starting");
        } catch (CommandException | RuntimeException e) {
            sinks.close();
            throw e;
        }
        return sinks;
    }

    @Override
    public int shell(ShellSpec spec) throws CommandException {
        control(); // the engine first: the probe's commands need it
        ConfigurationAdmin admin;
        BundleContext bundleContext;
        synchronized (lock) {
            await(() -> configurationAdmin != null, START_TIMEOUT_MILLIS,
                    "Configuration Admin (bundle org.apache.felix.configadmin)");
            admin = configurationAdmin;
            bundleContext = context;
        }
        try {
            // The process's own streams: the Gogo runtime replaces System.in, out and err with streams that
            // follow the session of the thread, which would loop back into a session created on them.
            return new ShellRunner(bundleContext, admin, new FileInputStream(FileDescriptor.in),
                    new PrintStream(new FileOutputStream(FileDescriptor.out), true), new PrintStream(new FileOutputStream(FileDescriptor.err), true),
                    System.console() != null).run(spec);
        } catch (NoClassDefFoundError e) {
            throw new CommandException(Exit.FAILURE, "the shell needs the Gogo runtime (bundle org.apache.felix.gogo.runtime): "
                    + e.getMessage());
        }
    }

    @Override
    public String sampleCapture() throws CommandException {
        BundleContext bundleContext;
        synchronized (lock) {
            bundleContext = context;
        }
        String sample = bundleContext == null ? null : bundleContext.getProperty(SAMPLE_PROPERTY);
        if (sample == null) {
            sample = System.getProperty(SAMPLE_PROPERTY);
        }
        return sample != null ? sample : extractSample();
    }

    /** Copies the bundled sample to a temporary file deleted when the JVM exits; null when there is none. */
    static String extractSample() throws CommandException {
        try (InputStream in = ProbeCommand.class.getResourceAsStream(SAMPLE_RESOURCE)) {
            if (in == null) {
                return null;
            }
            Path file = Files.createTempFile("kindling-sample-", ".scap");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file.toString();
        } catch (IOException e) {
            throw new CommandException(Exit.FAILURE, "cannot copy the sample capture to a temporary file: " + e.getMessage());
        }
    }

    /**
     * The engine binds a new sink in the same service event that tells this component about it, but
     * possibly just after: wait until the engine routes to every sink of the run, so that the run
     * opened next delivers to them.
     */
    private void awaitEngineUses(List<ServiceReference<Sink>> sinks) throws InterruptedException, CommandException {
        ProbeRouting engine;
        synchronized (lock) {
            await(() -> routing != null, START_TIMEOUT_MILLIS, "the probe engine (bundle io.kindling.probe.core)");
            engine = routing;
        }
        Set<String> names = new LinkedHashSet<>();
        sinks.forEach(reference -> names.add(String.valueOf(reference.getProperty(Sink.NAME))));
        if (!engine.awaitRouting(view -> view.sinks().keySet().containsAll(names), BIND_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
            throw new CommandException(Exit.FAILURE, "the engine did not take the sinks " + names + " within "
                    + BIND_GRACE_MILLIS / 1000 + " s");
        }
    }

    /** Called with {@link #lock} held. */
    private List<ServiceReference<Sink>> sinksOf(String runId) {
        List<ServiceReference<Sink>> list = new ArrayList<>();
        runSinks.forEach((reference, id) -> {
            if (id.equals(runId)) {
                list.add(reference);
            }
        });
        return list;
    }

    /** Called with {@link #lock} held. */
    private void await(BooleanSupplier condition, long timeoutMillis, String what) throws CommandException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try {
            while (active && !condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
                lock.wait(Math.max(1, deadline - System.currentTimeMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException(Exit.FAILURE, "interrupted while waiting for " + what);
        }
        if (!active) {
            throw new CommandException(Exit.FAILURE, "the framework is stopping");
        }
        if (!condition.getAsBoolean()) {
            throw new CommandException(Exit.FAILURE, what + " did not start within " + timeoutMillis / 1000 + " s");
        }
    }

    /**
     * Waits (briefly) until the run's sink services are gone, so that Configuration Admin has
     * delivered the deletions before the command returns and the framework stops.
     */
    private void awaitGone(String runId) {
        synchronized (lock) {
            long deadline = System.currentTimeMillis() + SINK_GONE_MILLIS;
            try {
                while (active && !sinksOf(runId).isEmpty() && System.currentTimeMillis() < deadline) {
                    lock.wait(Math.max(1, deadline - System.currentTimeMillis()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void delete(Collection<Configuration> configurations) {
        for (Configuration configuration : configurations) {
            try {
                configuration.delete();
            } catch (IOException | IllegalStateException e) {
                // already gone, or Configuration Admin is stopping: nothing is left to remove
            }
        }
    }

    static String uniqueName(String base, Set<String> taken) {
        String name = base;
        for (int n = 2; taken.contains(name); n++) {
            name = base + "-" + n;
        }
        return name;
    }

    private static boolean addShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            return true;
        } catch (IllegalStateException | SecurityException e) {
            return false;
        }
    }

    static String[] toStrings(Object value) {
        if (value instanceof String[] strings) {
            return strings.clone();
        }
        if (value instanceof Collection<?> collection) {
            return collection.stream().map(String::valueOf).toArray(String[]::new);
        }
        if (value instanceof Object[] objects) {
            return java.util.Arrays.stream(objects).map(String::valueOf).toArray(String[]::new);
        }
        return value == null ? new String[0] : new String[] {String.valueOf(value)};
    }
}

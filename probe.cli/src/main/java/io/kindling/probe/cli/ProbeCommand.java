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
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
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

    private static final String ENGINE = "the probe engine (bundle io.kindling.probe.core)";
    private static final String CONFIGURATION_ADMIN = "Configuration Admin (bundle org.apache.felix.configadmin)";

    /** Every wait of the command line; it also guards the services below. */
    private final Monitor monitor = new Monitor();
    private final CommandSinks sinks = new CommandSinks(monitor);
    private volatile String[] arguments = new String[0];
    private BundleContext context;
    private ProbeControl control;
    private ProbeRouting routing;
    private ConfigurationAdmin configurationAdmin;

    @Reference(service = Object.class, target = "(" + LAUNCHER_ARGUMENTS + "=*)", updated = "updatedLauncher")
    void setLauncher(Map<String, Object> properties) {
        arguments = toStrings(properties.get(LAUNCHER_ARGUMENTS));
    }

    void updatedLauncher(Map<String, Object> properties) {
        setLauncher(properties);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setControl(ProbeControl service) {
        set(() -> control = service);
    }

    void unsetControl(ProbeControl service) {
        set(() -> control = control == service ? null : control);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setRouting(ProbeRouting service) {
        set(() -> routing = service);
    }

    void unsetRouting(ProbeRouting service) {
        set(() -> routing = routing == service ? null : routing);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setConfigurationAdmin(ConfigurationAdmin service) {
        set(() -> configurationAdmin = service);
    }

    void unsetConfigurationAdmin(ConfigurationAdmin service) {
        set(() -> configurationAdmin = configurationAdmin == service ? null : configurationAdmin);
    }

    /** Every sink, of this command line or not; the service object is never taken. */
    @Reference(service = Sink.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addSink(ServiceReference<Sink> reference) {
        sinks.added(reference);
    }

    void removeSink(ServiceReference<Sink> reference) {
        sinks.removed(reference);
    }

    @Activate
    void activate(BundleContext bundleContext) {
        set(() -> context = bundleContext);
    }

    @Deactivate
    void deactivate() {
        monitor.close();
    }

    /** Changes what the monitor guards, and wakes whoever waits for it. */
    private void set(Runnable change) {
        synchronized (monitor) {
            change.run();
        }
        monitor.changed();
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
        synchronized (monitor) {
            monitor.require(() -> control != null, CommandSinks.START_TIMEOUT_MILLIS, ENGINE);
            return control;
        }
    }

    @Override
    public Sinks startSinks(List<SinkSpec> specs, List<Subscription> subscriptions) throws CommandException {
        String runId = UUID.randomUUID().toString();
        CommandSinks.Created created;
        try {
            created = sinks.create(configurationAdmin(), specs, subscriptions, runId, Set.of());
        } catch (IOException e) {
            throw new CommandException(Exit.FAILURE, "cannot configure the sinks: " + e.getMessage());
        }
        Sinks started = () -> {
            created.delete();
            sinks.awaitGone(runId);
        };
        try {
            sinks.awaitRegistered(created, runId);
            CommandSinks.awaitRouted(routing(), created.byName().keySet());
            return started;
        } catch (CommandException | RuntimeException e) {
            started.close();
            throw e;
        }
    }

    @Override
    public Set<String> awaitConfigFolder(String text) throws CommandException {
        ConfigFolder folder = ConfigFolder.of(text, bundleContext());
        ConfigurationAdmin admin = configurationAdmin();
        List<Path> files = folder.files();
        // FileInstall reads the folder on its own thread: each file's configuration, once there
        long deadline = System.currentTimeMillis() + CommandSinks.START_TIMEOUT_MILLIS;
        Map<Path, Configuration> applied = folder.applied(admin);
        while (!applied.keySet().containsAll(files)) {
            if (System.currentTimeMillis() > deadline) {
                List<Path> missing = new ArrayList<>(files);
                missing.removeAll(applied.keySet());
                throw new CommandException(Exit.BAD_INPUT, "--config: " + missing + " not applied within "
                        + CommandSinks.START_TIMEOUT_MILLIS / 1000 + " s: see the log for what is wrong in it");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandException(Exit.FAILURE, "interrupted while reading " + folder.path());
            }
            applied = folder.applied(admin);
        }
        // the sinks among them, once registered and routed to
        Set<String> sinkFiles = new TreeSet<>();
        for (Path file : files) {
            Configuration c = applied.get(file);
            for (SinkSpec.Kind kind : SinkSpec.Kind.values()) {
                if (kind.factoryPid().equals(c.getFactoryPid()) || kind.factoryPid().equals(c.getPid())) {
                    sinkFiles.add(String.valueOf(c.getProperties().get(ConfigFolder.FILENAME)));
                }
            }
        }
        Set<String> names = sinks.awaitFromFiles(sinkFiles);
        CommandSinks.awaitRouted(routing(), names);
        return names;
    }

    @Override
    public Sinks startOwnSink(Sink sink, String name, List<Subscription> subscriptions) throws CommandException {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Sink.NAME, name);
        properties.put(Sink.SUBSCRIPTIONS, subscriptions.stream().map(Subscription::toString).toArray(String[]::new));
        ServiceRegistration<Sink> registration = bundleContext().registerService(Sink.class, sink, properties);
        Sinks started = () -> {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already unregistered with the framework stopping
            }
        };
        try {
            CommandSinks.awaitRouted(routing(), Set.of(name));
        } catch (CommandException | RuntimeException e) {
            started.close();
            throw e;
        }
        return started;
    }

    @Override
    public int shell(ShellSpec spec) throws CommandException {
        control(); // the engine first: the probe's commands need it
        ConfigurationAdmin admin = configurationAdmin();
        try {
            // The process's own streams: the Gogo runtime replaces System.in, out and err with streams that
            // follow the session of the thread, which would loop back into a session created on them.
            return new ShellRunner(bundleContext(), monitor, admin, sinks, new FileInputStream(FileDescriptor.in),
                    new PrintStream(new FileOutputStream(FileDescriptor.out), true), new PrintStream(new FileOutputStream(FileDescriptor.err), true),
                    System.console() != null).run(spec);
        } catch (NoClassDefFoundError e) {
            throw new CommandException(Exit.FAILURE, "the shell needs the Gogo runtime (bundle org.apache.felix.gogo.runtime): "
                    + e.getMessage());
        }
    }

    private ConfigurationAdmin configurationAdmin() throws CommandException {
        synchronized (monitor) {
            monitor.require(() -> configurationAdmin != null, CommandSinks.START_TIMEOUT_MILLIS, CONFIGURATION_ADMIN);
            return configurationAdmin;
        }
    }

    private ProbeRouting routing() throws CommandException {
        synchronized (monitor) {
            monitor.require(() -> routing != null, CommandSinks.START_TIMEOUT_MILLIS, ENGINE);
            return routing;
        }
    }

    private BundleContext bundleContext() throws CommandException {
        synchronized (monitor) {
            if (context == null) {
                throw new CommandException(Exit.FAILURE, "the framework is stopping");
            }
            return context;
        }
    }

    @Override
    public String sampleCapture() throws CommandException {
        BundleContext bundleContext;
        synchronized (monitor) {
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

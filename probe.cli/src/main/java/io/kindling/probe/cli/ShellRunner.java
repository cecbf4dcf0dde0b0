package io.kindling.probe.cli;

import io.kindling.probe.api.spi.Sink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * {@code probe shell}: a Gogo session on the terminal, or on standard input when it is not a
 * terminal (a script: one command a line, no prompt; the exit status is 2 when a command failed).
 * Commands run in the Gogo runtime, so the {@code probe} scope, Gogo's own commands ({@code help},
 * {@code lb}, ...) and the Gogo language (variables, pipes, closures) are all there; {@code exit}
 * or the end of input ends the shell and the probe.
 *
 * <p>The data folder (framework storage with the configurations, {@code deploy/} and {@code config/}
 * watched by Felix FileInstall) is chosen before the framework starts, by bin/probe; this class only
 * checks it and creates the folders. Sinks given with {@code --sink} are created as configurations
 * when none of that name exists; on a first start without any sink, one console sink is created.
 */
final class ShellRunner {

    /** Framework or system property: the data folder (set by bin/probe). */
    static final String DATA_PROPERTY = "kindling.data";
    static final long SERVICE_TIMEOUT_MILLIS = 30_000;

    /** The services the shell waits for: Gogo's command processor and the probe's commands. */
    private static final String GOGO_FILTER = "(|(" + Constants.OBJECTCLASS + "=" + CommandProcessor.class.getName()
            + ")(" + CommandProcessor.COMMAND_SCOPE + "=probe))";

    private final BundleContext context;
    private final Monitor monitor;
    private final ConfigurationAdmin admin;
    private final CommandSinks sinks;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    ShellRunner(BundleContext context, Monitor monitor, ConfigurationAdmin admin, CommandSinks sinks, InputStream in,
            PrintStream out, PrintStream err, boolean terminal) {
        this.context = context;
        this.monitor = monitor;
        this.admin = admin;
        this.sinks = sinks;
        this.in = in;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    int run(ShellSpec spec) throws CommandException {
        Path data = dataFolder(spec);
        startSinks(spec.sinks());
        ServiceListener wake = event -> monitor.changed();
        try {
            context.addServiceListener(wake, GOGO_FILTER);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        try {
            return run(spec, data, processor());
        } finally {
            context.removeServiceListener(wake);
        }
    }

    private int run(ShellSpec spec, Path data, CommandProcessor processor) throws CommandException {
        CommandSession session = processor.createSession(in, out, err);
        // The probe's commands first: start, stop and events are also commands of other scopes
        // (felix:start starts a bundle); those stay reachable with their scope.
        session.put("SCOPE", "probe:*");
        try {
            monitor.require(() -> session.get("probe:subscribe") != null, SERVICE_TIMEOUT_MILLIS,
                    "the probe's commands (bundle io.kindling.probe.core)");
            if (terminal) {
                err.println("Kindling probe shell" + (data == null ? "" : " (data folder " + data + ")")
                        + ": probe:* commands (subscribe, subscriptions, open, start, stats, ...; each with --help),"
                        + " help lists every command; exit or Ctrl-D ends");
            }
            int failures = 0;
            if (spec.file() != null && !call(session, "probe:open", spec.file())) {
                failures++;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, Charset.defaultCharset()));
            while (true) {
                if (terminal) {
                    out.print("probe> ");
                    out.flush();
                }
                String line;
                try {
                    line = reader.readLine();
                } catch (IOException e) {
                    err.println("probe: cannot read standard input: " + e.getMessage());
                    return Exit.FAILURE;
                }
                if (line == null) {
                    break;
                }
                String command = line.strip();
                if (command.isEmpty() || command.startsWith("#")) {
                    continue;
                }
                if (command.equals("exit") || command.equals("quit")) {
                    break;
                }
                if (!execute(session, command)) {
                    failures++;
                }
            }
            out.flush();
            return failures > 0 && !terminal ? Exit.BAD_INPUT : Exit.OK;
        } finally {
            session.close();
        }
    }

    /** Runs one line; prints its result on standard output, or its error on standard error. */
    private boolean execute(CommandSession session, String line) {
        try {
            print(session, session.execute(line));
            return true;
        } catch (Exception e) {
            err.println("probe: " + message(e));
            return false;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private boolean call(CommandSession session, String function, String argument) {
        Object f = session.get(function);
        if (!(f instanceof Function)) {
            err.println("probe: " + function + " is not there");
            return false;
        }
        try {
            print(session, ((Function) f).execute(session, List.of(argument)));
            return true;
        } catch (Exception e) {
            err.println("probe: " + message(e));
            return false;
        }
    }

    private void print(CommandSession session, Object result) {
        if (result != null) {
            out.println(session.format(result, Converter.INSPECT));
        }
    }

    private static String message(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.lang.reflect.InvocationTargetException)) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /**
     * The data folder that bin/probe chose (property {@value #DATA_PROPERTY}); {@code --data} must name
     * the same one, since the framework storage is chosen before the framework starts.
     */
    private Path dataFolder(ShellSpec spec) throws CommandException {
        String property = context.getProperty(DATA_PROPERTY);
        Path data = null;
        try {
            data = property == null || property.isBlank() ? null : Path.of(property).toAbsolutePath().normalize();
            if (spec.data() != null) {
                Path wanted = Path.of(spec.data()).toAbsolutePath().normalize();
                if (!wanted.equals(data)) {
                    throw new CommandException(Exit.BAD_INPUT, "the data folder is chosen when the probe starts: run"
                            + " bin/probe shell --data " + spec.data() + " (bin/probe passes java -D" + DATA_PROPERTY
                            + "=DIR -Dlaunch.storage.dir=DIR/framework -Dlaunch.keep=true"
                            + " -Dfelix.fileinstall.dir=DIR/deploy,DIR/config)");
                }
            }
        } catch (InvalidPathException e) {
            throw new CommandException(Exit.BAD_INPUT, "--data: not a valid path: " + e.getMessage());
        }
        if (data == null) {
            err.println("probe: no data folder (" + DATA_PROPERTY + "): subscriptions are not kept after exit;"
                    + " bin/probe shell chooses one");
            return null;
        }
        try {
            Files.createDirectories(data.resolve("deploy"));
            Files.createDirectories(data.resolve("config"));
        } catch (IOException e) {
            throw new CommandException(Exit.BAD_INPUT, "cannot create the data folder " + data + ": " + e.getMessage());
        }
        return data;
    }

    /**
     * Creates each sink given unless one of that name is configured already (on an earlier start, or in
     * the config folder: it keeps its subscriptions); one console sink on a first start. Returns once
     * the sinks created are registered, so that the first command finds them.
     */
    private void startSinks(List<SinkSpec> specs) throws CommandException {
        try {
            Configuration[] existing = admin.listConfigurations("(" + Sink.NAME + "=*)");
            Set<String> names = new HashSet<>();
            for (Configuration c : existing == null ? new Configuration[0] : existing) {
                names.add(String.valueOf(c.getProperties().get(Sink.NAME)));
            }
            List<SinkSpec> wanted = specs;
            if (specs.isEmpty() && names.isEmpty() && context.getServiceReferences(Sink.class, null).isEmpty()) {
                wanted = List.of(SinkSpec.CONSOLE);
            }
            CommandSinks.Created created = sinks.create(admin, wanted, List.of(), null, names);
            created.byName().forEach((name, spec) ->
                    err.println("probe: sink " + name + " created (" + spec + "); subscribe adds events to it"));
            sinks.awaitRegistered(created, null);
        } catch (IOException | InvalidSyntaxException e) {
            throw new CommandException(Exit.FAILURE, "cannot configure the sinks: " + e.getMessage());
        }
    }

    private CommandProcessor processor() throws CommandException {
        monitor.require(() -> context.getServiceReference(CommandProcessor.class) != null, SERVICE_TIMEOUT_MILLIS,
                "the Gogo runtime (bundle org.apache.felix.gogo.runtime)");
        ServiceReference<CommandProcessor> reference = context.getServiceReference(CommandProcessor.class);
        CommandProcessor processor = reference == null ? null : context.getService(reference);
        if (processor == null) {
            throw new CommandException(Exit.FAILURE, "the Gogo runtime (bundle org.apache.felix.gogo.runtime) stopped");
        }
        return processor;
    }
}

package io.kindling.probe.cli;

import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command line against the probe's services and returns the exit status. Standard output
 * gets only what the command produces (the sinks' events, the event list, the help text);
 * everything else goes to standard error.
 */
final class CommandRunner {

    private final ProbeServices services;
    private final PrintStream out;
    private final PrintStream err;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Run current;
    private volatile boolean stopping;
    /** probe shell has no summary to wait for when the process is told to stop. */
    private volatile boolean shell;

    CommandRunner(ProbeServices services, PrintStream out, PrintStream err) {
        this.services = services;
        this.out = out;
        this.err = err;
    }

    int run(String... args) {
        try {
            return execute(CommandLine.parse(args));
        } catch (UsageException e) {
            err.println("probe: " + e.getMessage() + " (see probe help)");
            return Exit.BAD_INPUT;
        } catch (CommandException e) {
            err.println("probe: " + e.getMessage());
            return e.exitCode();
        } catch (RuntimeException e) {
            err.println("probe: internal error: " + e);
            return Exit.FAILURE;
        } finally {
            out.flush();
            err.flush();
            finished.countDown();
        }
    }

    /**
     * Asks the current run to stop (Ctrl-C) and waits until its summary is printed, at most
     * {@code timeoutMillis}.
     */
    void stop(long timeoutMillis) {
        stopping = true;
        if (shell) {
            return;
        }
        Run run = current;
        if (run != null) {
            run.stop();
        }
        try {
            finished.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int execute(CommandLine line) throws CommandException {
        switch (line.command()) {
            case HELP:
                out.print(Usage.TEXT);
                return Exit.OK;
            case EVENTS:
                listEvents(services.control().catalog());
                return Exit.OK;
            case REPLAY:
                return replay(line);
            case LIVE:
                return live(line);
            case BENCH_LIVE:
                return new BenchLive(services, err).run(checked(services.control().catalog(), line), line.sinks(), line.live());
            case BENCH: {
                Path capture = readableCapture(line.file());
                List<Subscription> subscriptions = checked(services.control().catalog(), line);
                return new Bench(services, err).run(capture, subscriptions, line.rounds());
            }
            case SHELL:
                shell = true;
                return services.shell(line.shell());
            case GENERATE:
                return new Generate(err, System.console() != null, () -> stopping).run(line.generate());
            default:
                throw new AssertionError(line.command());
        }
    }

    private void listEvents(EventCatalog catalog) {
        out.println("Events (--subscribe NAME[:CATEGORY], or all):");
        for (EventCatalog.Entry entry : catalog.entries()) {
            out.println(entry.producible() ? "  " + entry.name()
                    : String.format("  %-36s not produced by this inspector (%s)", entry.name(), entry.origin()));
        }
        out.println("Categories: " + EventCatalog.categoryLabels());
    }

    private int replay(CommandLine line) throws CommandException {
        String file = line.file();
        String what = file;
        if (line.replaysSample()) {
            file = services.sampleCapture();
            if (file == null || file.isBlank()) {
                throw new CommandException(Exit.BAD_INPUT, "no sample capture is bundled with this build:"
                        + " run probe replay FILE (or set the property kindling.sample to a capture file)");
            }
            what = "the sample capture";
            err.println("probe: replaying the sample capture (generated HTTP traffic on loopback) with the default"
                    + " subscriptions; probe help lists the commands");
        }
        Path capture = readableCapture(file);
        ProbeControl control = services.control();
        List<Subscription> subscriptions = checked(control.catalog(), line);
        configFolder(line);
        try (ProbeServices.Sinks sinks = services.startSinks(line.sinks(), subscriptions)) {
            Run run;
            try {
                run = control.open(capture);
            } catch (ProbeException e) {
                throw new CommandException(Exit.BAD_INPUT, what + ": " + message(e));
            }
            return finish(run, what);
        }
    }

    private int live(CommandLine line) throws CommandException {
        ProbeControl control = services.control();
        List<Subscription> subscriptions = checked(control.catalog(), line);
        configFolder(line);
        try (ProbeServices.Sinks sinks = services.startSinks(line.sinks(), subscriptions)) {
            LiveSpec spec = line.live();
            Path write = null;
            if (spec.write() != null) {
                write = writableCapture(spec.write());
            }
            Run run;
            try {
                run = control.openLive(write);
            } catch (ProbeException e) {
                // one line: the requirement that is missing, or the live capture that holds the machine
                throw new CommandException(Exit.BAD_INPUT, "live: " + message(e));
            }
            if (spec.durationMillis() > 0) {
                stopAfter(run, spec.durationMillis());
            }
            int status = finish(run, "live events");
            if (write != null) {
                err.println("probe: the events read were written to " + write);
            }
            return status;
        }
    }

    /**
     * With {@code --config}: waits until the folder's configurations are applied and its sinks take
     * events, and says which; without {@code --sink}, the folder must configure a sink.
     */
    private void configFolder(CommandLine line) throws CommandException {
        if (line.config() == null) {
            return;
        }
        Set<String> names = services.awaitConfigFolder(line.config());
        if (names.isEmpty() && line.sinks().isEmpty()) {
            throw new CommandException(Exit.BAD_INPUT, "--config " + line.config() + ": no sink is configured there"
                    + " (a file such as io.kindling.probe.sink.jsonl-events.cfg) and no --sink was given");
        }
        err.println("probe: configuration folder " + line.config() + ": sinks "
                + (names.isEmpty() ? "none" : String.join(", ", names)));
    }

    /** Ends the run at its next batch boundary once {@code millis} have passed (live --duration). */
    static void stopAfter(Run run, long millis) {
        Thread timer = new Thread(() -> {
            try {
                if (!run.await(millis, TimeUnit.MILLISECONDS)) {
                    run.stop();
                }
            } catch (InterruptedException e) {
                run.stop();
            }
        }, "probe-live-duration");
        timer.setDaemon(true);
        timer.start();
    }

    private static Path writableCapture(String file) throws CommandException {
        Path path;
        try {
            path = Path.of(file).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new CommandException(Exit.BAD_INPUT, file + ": not a valid path");
        }
        if (Files.isDirectory(path)) {
            throw new CommandException(Exit.BAD_INPUT, file + ": is a directory");
        }
        Path parent = path.getParent();
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new CommandException(Exit.BAD_INPUT, file + ": cannot write there");
        }
        return path;
    }

    /** Waits for the run, prints the summary, and then the run's failure if it had one. */
    private int finish(Run run, String what) {
        current = run;
        if (stopping) {
            run.stop();
        }
        boolean interrupted = false;
        try {
            run.await();
        } catch (InterruptedException e) {
            run.stop();
            interrupted = true;
        } finally {
            current = null;
        }
        out.flush();
        Statistics statistics = run.statistics();
        err.println("probe: " + (stopping || interrupted ? "stopped; " : "") + "summary of " + what);
        long threadless = 0;
        long cut = 0;
        try {
            threadless = services.control().copiedWithoutThread();
            cut = services.control().paramsCut();
        } catch (CommandException e) {
            // the engine went away with the run: its figures are in the statistics already
        }
        for (String summaryLine : Summary.lines(statistics, threadless, cut)) {
            err.println("  " + summaryLine);
        }
        try {
            for (String line : Summary.containers(services.control().converterStatistics())) {
                err.println("  " + line);
            }
            for (String requestLine : Summary.requests(services.control().converterStatistics())) {
                err.println("  " + requestLine);
            }
        } catch (CommandException e) {
            // the engine went away with the run: no converter figures to show
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            return Exit.FAILURE;
        }
        String failure = run.failure();
        if (failure != null) {
            err.println("probe: " + what + ": " + failure);
            return Exit.BAD_INPUT;
        }
        return Exit.OK;
    }

    /**
     * Checks every subscription with the catalog: an unknown name or category ends the command; a
     * name this inspector cannot produce gets one warning. For the default list, one note tells how
     * many of its names this inspector does not produce, and names the catalog refuses are left out.
     */
    private List<Subscription> checked(EventCatalog catalog, CommandLine line) throws CommandException {
        List<Subscription> accepted = new ArrayList<>();
        if (line.defaultSubscriptions()) {
            Set<String> silent = new LinkedHashSet<>();
            for (Subscription subscription : line.subscriptions()) {
                try {
                    if (catalog.check(subscription) != null) {
                        silent.add(subscription.name());
                    }
                    accepted.add(subscription);
                } catch (IllegalArgumentException e) {
                    silent.add(subscription.name());
                }
            }
            if (!silent.isEmpty()) {
                err.println("note: " + silent.size() + " of the " + line.subscriptions().size()
                        + " default events are not produced by this inspector (see probe events)");
            }
            return accepted;
        }
        Set<String> warned = new LinkedHashSet<>();
        for (Subscription subscription : line.subscriptions()) {
            String warning;
            try {
                warning = catalog.check(subscription);
            } catch (IllegalArgumentException e) {
                throw new CommandException(Exit.BAD_INPUT, e.getMessage() + " (see probe events)");
            }
            if (warning != null && warned.add(subscription.name())) {
                err.println("warning: " + warning);
            }
            accepted.add(subscription);
        }
        return accepted;
    }

    private static Path readableCapture(String file) throws CommandException {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new CommandException(Exit.BAD_INPUT, file + ": not a valid path");
        }
        if (!Files.exists(path)) {
            throw new CommandException(Exit.BAD_INPUT, file + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new CommandException(Exit.BAD_INPUT, file + ": is a directory, not a capture file");
        }
        if (!Files.isReadable(path)) {
            throw new CommandException(Exit.BAD_INPUT, file + ": permission denied");
        }
        try {
            if (Files.size(path) == 0) {
                throw new CommandException(Exit.BAD_INPUT, file + ": empty file, not a capture");
            }
        } catch (IOException e) {
            throw new CommandException(Exit.BAD_INPUT, file + ": " + e.getMessage());
        }
        return path.toAbsolutePath();
    }

    private static String message(Exception e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            Throwable cause = e.getCause();
            message = cause != null && cause.getMessage() != null ? cause.getMessage() : e.getClass().getSimpleName();
        }
        return message;
    }
}

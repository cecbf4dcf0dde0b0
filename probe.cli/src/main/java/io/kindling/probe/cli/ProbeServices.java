package io.kindling.probe.cli;

import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Subscription;
import java.util.List;
import java.util.Set;

/** What a command needs from the running framework; the OSGi side is {@link ProbeCommand}. */
interface ProbeServices {

    /** The engine, once it is there. */
    ProbeControl control() throws CommandException;

    /**
     * Starts one sink per spec, each with all the subscriptions, and returns once every one is
     * registered and can receive events.
     */
    Sinks startSinks(List<SinkSpec> specs, List<Subscription> subscriptions) throws CommandException;

    /**
     * Waits until the configurations of the folder's files ({@code --config}) are applied and the sinks they
     * configure receive events; returns those sinks' names.
     */
    default Set<String> awaitConfigFolder(String folder) throws CommandException {
        throw new CommandException(Exit.BAD_INPUT, "--config: this probe reads no configuration folder");
    }

    /** Registers a sink of the command's own with these subscriptions; returns once the engine routes to it. */
    Sinks startOwnSink(io.kindling.probe.api.spi.Sink sink, String name, List<Subscription> subscriptions)
            throws CommandException;

    /** Runs {@code probe shell}: the Gogo shell on the terminal or on standard input; returns the exit status. */
    default int shell(ShellSpec spec) throws CommandException {
        throw new CommandException(Exit.FAILURE, "this probe has no shell");
    }

    /** The path of the sample capture (a temporary copy of the bundled one), or {@code null} when this build has none. */
    String sampleCapture() throws CommandException;

    /** Sinks started for one run; closing removes them. */
    interface Sinks extends AutoCloseable {
        @Override
        void close();
    }
}

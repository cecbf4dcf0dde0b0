package io.kindling.probe.core.shell;

import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The runs: {@code open} and {@code live} choose the source, {@code start} and {@code stop} run it,
 * {@code stats} shows its figures. The source and the run are kept here between commands.
 */
@Component(service = RunCommands.class, immediate = true) // immediate: Gogo ungets the service after each command
@GogoCommand(scope = "probe", function = {"open", "live", "start", "stop", "stats"})
@Descriptor("the Kindling probe: its source and runs")
public final class RunCommands {
    static final long STOP_TIMEOUT_MILLIS = 30_000;

    private final ProbeControl control;
    private final Object lock = new Object();
    /** The capture that start replays; {@code null} with {@link #live} for live events. */
    private Path source;
    private boolean live;
    /** Where a live run also records what it reads ({@code live --write FILE}); {@code null}: nowhere. */
    private Path liveWrite;
    private Run run;

    @Activate
    public RunCommands(@Reference ProbeControl control) {
        this.control = control;
    }

    /** The run started last, or null. */
    Run current() {
        synchronized (lock) {
            return run;
        }
    }

    @Descriptor("makes the capture FILE the source that start replays")
    public String open(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            @Descriptor("FILE") String... operands) {
        if (help) {
            return Usage.of(getClass(), "open");
        }
        Path path = capture(Usage.operands(getClass(), "open", operands, 1, 1).get(0));
        synchronized (lock) {
            source = path;
            live = false;
            return "source: " + path + (running() ? " (the current run goes on; stop ends it)" : " (start replays it)");
        }
    }

    @Descriptor("makes live events (the probe's eBPF programs; needs root) the source that start reads")
    public String live(
            @Descriptor("FILE: also records every event read to FILE, a capture that open FILE and sysdig -r read")
            @Parameter(names = "--write", absentValue = "") String write,
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) {
        if (help) {
            return Usage.of(getClass(), "live");
        }
        Usage.operands(getClass(), "live", operands, 0, 0);
        synchronized (lock) {
            source = null;
            live = true;
            liveWrite = write.isEmpty() ? null : writable(write);
            return "source: live events" + (liveWrite == null ? "" : ", recorded to " + liveWrite)
                    + (running() ? " (the current run goes on; stop ends it)" : " (start reads them)");
        }
    }

    @Descriptor("starts reading the source (open FILE or live)")
    public String start(
            @Descriptor("returns when a replay has ended, with its figures") @Parameter(names = "--wait", presentValue = "true",
                    absentValue = "false") String wait,
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) throws InterruptedException {
        if (help) {
            return Usage.of(getClass(), "start");
        }
        Usage.operands(getClass(), "start", operands, 0, 0);
        Run started;
        String what;
        synchronized (lock) {
            if (source == null && !live) {
                throw new IllegalArgumentException("start: no source; open FILE or live first");
            }
            if (running()) {
                throw new IllegalArgumentException("start: a run is in progress; stop ends it");
            }
            try {
                started = live ? control.openLive(liveWrite) : control.open(capture(source.toString()));
            } catch (ProbeException e) {
                throw new IllegalArgumentException("start: " + (live ? "cannot read live events: " : source + ": ")
                        + e.getMessage());
            }
            run = started;
            what = live ? "live events" : source.toString();
        }
        if (!Boolean.parseBoolean(wait)) {
            return "reading " + what + " (stats shows the figures, stop ends the run)";
        }
        started.await();
        String failure = started.failure();
        return (failure == null ? "ended: " + what : "ended early: " + what + ": " + failure) + "\n" + figures();
    }

    @Descriptor("stops the run at its next batch boundary and shows its figures")
    public String stop(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) throws InterruptedException {
        if (help) {
            return Usage.of(getClass(), "stop");
        }
        Usage.operands(getClass(), "stop", operands, 0, 0);
        Run current = current();
        if (current == null || current.isDone()) {
            return "no run in progress";
        }
        current.stop();
        if (!current.await(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("stop: the run did not end within " + STOP_TIMEOUT_MILLIS / 1000 + " s");
        }
        return "stopped\n" + figures();
    }

    @Descriptor("shows the figures of the current or last run: events read, dropped by each rule, converted, and per sink"
            + " delivered, queued, dropped and failed")
    public String stats(
            @Descriptor(Usage.HELP_TEXT) @Parameter(names = {Usage.HELP_SHORT, Usage.HELP_LONG}, presentValue = "true",
                    absentValue = "false") boolean help,
            String... operands) {
        if (help) {
            return Usage.of(getClass(), "stats");
        }
        Usage.operands(getClass(), "stats", operands, 0, 0);
        return figures();
    }

    private boolean running() {
        Run current = current();
        return current != null && !current.isDone();
    }

    private String figures() {
        Statistics s = control.statistics();
        Run current = current();
        String state = current == null ? "" : current.isDone()
                ? (current.failure() == null ? " (ended)" : " (failed: " + current.failure() + ")") : " (running)";
        StringBuilder out = new StringBuilder();
        out.append("read ").append(s.read()).append(state).append('\n');
        out.append("dropped before copying: ").append(s.droppedTotal());
        for (Map.Entry<DropRule, Long> e : s.dropped().entrySet()) {
            out.append(", ").append(e.getKey().label()).append(' ').append(e.getValue());
        }
        out.append('\n');
        out.append("converted ").append(s.converted()).append(", emitted by converters ").append(s.emitted()).append('\n');
        for (String line : s.capture().lines()) {
            out.append(line).append('\n');
        }
        List<SinkStatistics> sinks = s.sinks();
        for (SinkStatistics k : sinks) {
            out.append("sink ").append(k.name()).append(": delivered ").append(k.delivered()).append(", queued ").append(k.queued())
                    .append(", dropped ").append(k.dropped()).append(", failed ").append(k.failed());
            k.figures().forEach((f, v) -> out.append(", ").append(f).append(' ').append(v));
            out.append('\n');
        }
        if (sinks.isEmpty()) {
            out.append("no sinks\n");
        }
        return out.append(String.format("%.3f s, %.0f events/s", s.elapsedNanos() / 1e9, s.eventsPerSecond())).toString();
    }

    private static Path writable(String file) {
        try {
            return Path.of(file).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("live: " + file + ": not a valid path");
        }
    }

    private static Path capture(String file) {
        Path path;
        try {
            path = Path.of(file).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("open: " + file + ": not a valid path");
        }
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("open: " + file + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new IllegalArgumentException("open: " + file + ": is a directory, not a capture file");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("open: " + file + ": permission denied");
        }
        return path;
    }

    /** Gogo's call when the words fit none of this class's commands' forms: {@link Usage#unfit} says why. */
    public String _main(Word... words) {
        throw Usage.unfit(getClass(), words);
    }
}

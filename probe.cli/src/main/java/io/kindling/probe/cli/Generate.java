package io.kindling.probe.cli;

import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.GenerationSummary;
import io.kindling.probe.generator.Progress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * {@code probe generate}: writes a synthetic capture with the capture generator. Progress goes to
 * standard error when it is a terminal; at the end, one summary line.
 */
final class Generate {

    /** Thrown from the progress callback to end the generation when the command is stopped (Ctrl-C). */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }

    private final PrintStream err;
    private final boolean interactive;
    private final BooleanSupplier stopRequested;

    /**
     * @param interactive whether standard error is a terminal that shows progress
     * @param stopRequested polled at each progress report; true ends the generation and removes the file
     */
    Generate(PrintStream err, boolean interactive, BooleanSupplier stopRequested) {
        this.err = err;
        this.interactive = interactive;
        this.stopRequested = stopRequested;
    }

    int run(GenerateSpec spec) throws CommandException {
        Path out = writable(spec.out());
        Progress progress = (written, total, percent, eventsPerSecond) -> {
            if (stopRequested.getAsBoolean()) {
                throw new Stopped();
            }
            if (interactive && written < total) {
                err.printf(Locale.ROOT, "\rgenerating %5.1f%%  %,d of %,d events  %,.0f events/s ", percent, written,
                        total, eventsPerSecond);
                err.flush();
            }
        };
        GenerationSummary summary;
        try {
            summary = CaptureGenerator.generate(spec.scenario(), spec.events(), spec.seed(), out, progress);
        } catch (Stopped e) {
            clearLine();
            delete(out);
            throw new CommandException(Exit.FAILURE, "stopped; " + spec.out() + " removed");
        } catch (IOException e) {
            clearLine();
            throw new CommandException(Exit.BAD_INPUT, "cannot write " + spec.out() + ": " + reason(e));
        }
        clearLine();
        err.println(summaryLine(summary, spec.out()));
        if (summary.scenario() == io.kindling.probe.generator.Scenario.JAVA) {
            err.println("probe: the Java agent's markers written are logged in "
                    + io.kindling.probe.generator.CaptureGenerator.markerLog(spec.out()));
        }
        return Exit.OK;
    }

    static String summaryLine(GenerationSummary s, Path shownAs) {
        String line = String.format(Locale.ROOT, "probe: generated %,d events (%s, seed %d) to %s: %s in %.3f s, %,.0f events/s",
                s.events(), s.scenario().cliName(), s.seed(), shownAs, size(s.bytes()), s.elapsedNanos() / 1e9,
                s.eventsPerSecond());
        if (s.scenario().logsRequests()) {
            line += String.format(Locale.ROOT, "; %,d requests logged in %s", s.requests(), CaptureGenerator.requestLog(shownAs));
        }
        return line;
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** The path to write, or the one line that says why it cannot be written. */
    static Path writable(Path out) throws CommandException {
        Path absolute = out.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            throw new CommandException(Exit.BAD_INPUT, out + ": is a directory");
        }
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new CommandException(Exit.BAD_INPUT, out + ": no such directory " + parent);
        }
        boolean exists = Files.exists(absolute);
        if (exists ? !Files.isWritable(absolute) : !Files.isWritable(parent)) {
            throw new CommandException(Exit.BAD_INPUT, out + ": permission denied");
        }
        return absolute;
    }

    /** What went wrong, without the path that the message already names. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException fse) {
            return fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private void clearLine() {
        if (interactive) {
            err.print("\r\033[K");
            err.flush();
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // nothing more to do: the message names the file
        }
    }
}

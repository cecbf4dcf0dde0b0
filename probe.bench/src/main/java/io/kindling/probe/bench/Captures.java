package io.kindling.probe.bench;

import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The benchmarks' input: a capture written by the project's generator, the same bytes every time. */
final class Captures {

    /** Events in the benchmark capture: the operations of one replay. */
    static final int EVENTS = 50_000;
    static final Scenario SCENARIO = Scenario.MIXED;
    static final long SEED = 1;

    /** Batch buffer size and events per batch of the inspector, as in the probe's default configuration. */
    static final int BATCH_BYTES = 2 << 20;
    static final int BATCH_EVENTS = 8192;

    private Captures() {}

    /**
     * Writes the capture (again) and returns its path: in {@code kindling.bench.dir} when set, else in
     * {@code probe.bench/target} or {@code target} under the working folder when there is one, else in
     * the temporary folder.
     */
    static Path capture() {
        Path dir = folder();
        Path file = dir.resolve("bench-" + SCENARIO.cliName() + "-" + EVENTS + "-seed" + SEED + ".scap");
        try {
            Files.createDirectories(dir);
            Path partial = Files.createTempFile(dir, "bench-", ".part");
            CaptureGenerator.generate(SCENARIO, EVENTS, SEED, partial);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark capture in " + dir, e);
        }
        return file;
    }

    private static Path folder() {
        String configured = System.getProperty("kindling.bench.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String candidate : new String[] {"probe.bench/target", "target"}) {
            Path p = Path.of(candidate);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }
}

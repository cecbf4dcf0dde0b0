package io.kindling.probe.itests.support;

import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Captures written by the capture generator into the tests' work folder, once: the same options give the same file. */
public final class GeneratedCaptures {

    private GeneratedCaptures() {}

    /** {@code captures/NAME} of the work folder, generated unless it is there already. */
    public static Path of(String name, Scenario scenario, int events, long seed) throws Exception {
        Path dir = Path.of(System.getProperty(TestEnvironment.WORK, "target/itests")).toAbsolutePath().resolve("captures");
        Files.createDirectories(dir);
        Path capture = dir.resolve(name);
        if (!Files.isRegularFile(capture) || Files.size(capture) == 0) {
            Path partial = dir.resolve(capture.getFileName() + ".part");
            CaptureGenerator.generate(scenario, events, seed, partial);
            Files.move(partial, capture, StandardCopyOption.REPLACE_EXISTING);
        }
        return capture;
    }
}

package io.kindling.probe.generator.internal;

import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes one capture; for builds (the sample bundled with the command line, the benchmarks' input):
 * {@code Main SCENARIO EVENTS SEED FILE [without-logs]} (without-logs: the request and marker logs are not kept
 * beside the capture, for the sample packed into a bundle). Users run {@code probe generate}.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4 && !(args.length == 5 && args[4].equals("without-logs"))) {
            // no System.exit: this runs inside Maven (exec:java)
            throw new IllegalArgumentException("usage: Main SCENARIO EVENTS SEED FILE [without-logs]");
        }
        Path out = Path.of(args[3]);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        CaptureGenerator.generate(Scenario.fromName(args[0]), Long.parseLong(args[1]), Long.parseLong(args[2]), out);
        if (args.length == 5) {
            Files.deleteIfExists(CaptureGenerator.requestLog(out));
            Files.deleteIfExists(CaptureGenerator.markerLog(out));
        }
    }
}

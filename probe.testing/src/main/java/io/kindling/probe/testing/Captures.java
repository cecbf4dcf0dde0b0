package io.kindling.probe.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The shared captures, the native inspector and sysdig, the tests' oracle; tests skip when one is missing. */
public final class Captures {
    private Captures() {}

    /**
     * {@code ../shared/captures/NAME} from the repository root; skips the test when it is absent. The fallback path is
     * relative to the working directory of the module whose tests run (two levels below the root, as the converters).
     */
    public static Path shared(String name) {
        Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "../.."));
        Path p = root.resolve("../shared/captures").resolve(name).normalize();
        if (!Files.isReadable(p)) {
            p = Path.of("../../../shared/captures").resolve(name).toAbsolutePath().normalize();
        }
        assumeTrue(Files.isReadable(p), "capture " + name + " not found at ../shared/captures: test skipped");
        return p;
    }

    public static void assumeNative() {
        try {
            new io.kindling.probe.inspector.NativeInspector(1 << 21, 8192);
        } catch (Throwable t) {
            assumeTrue(false, "native inspector not available (" + t.getMessage() + "): test skipped");
        }
    }

    /** What {@code sysdig -r capture -p format filter} prints, one line per event. */
    public static List<String> sysdig(Path capture, String format, String filter) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("sysdig", "-r", capture.toString(), "-p", format));
        if (filter != null) {
            cmd.add(filter);
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            assumeTrue(false, "sysdig not installed: test skipped");
            throw e;
        }
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
        List<String> lines = new ArrayList<>();
        for (String l : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }
}

package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The native code (eBPF programs, shim, native tests) is formatted as the module's .clang-format says. */
class NativeFormatTest {

    private static String clangFormat() {
        for (String name : List.of("clang-format", "clang-format-14")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }

    @Test
    void everyNativeFileIsFormatted() throws IOException, InterruptedException {
        String tool = clangFormat();
        assumeTrue(tool != null, "clang-format is not installed (bin/setup installs it)");
        assertTrue(Files.exists(Path.of(".clang-format")), "the module's .clang-format");
        List<String> command = new ArrayList<>(List.of(tool, "--dry-run", "--Werror", "--style=file"));
        for (String dir : List.of("src/main/bpf", "src/main/native", "src/test/native")) {
            try (Stream<Path> files = Files.walk(Path.of(dir))) {
                files.map(Path::toString).filter(f -> f.endsWith(".c") || f.endsWith(".h") || f.endsWith(".cpp")).sorted()
                        .forEach(command::add);
            }
        }
        assertTrue(command.size() > 40, "the native files: " + command.size());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "files clang-format would change (clang-format -i FILE fixes them):\n" + out);
    }
}

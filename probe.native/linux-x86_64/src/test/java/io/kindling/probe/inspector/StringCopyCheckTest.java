package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shim's string copy ({@code copy_string} in {@code shim_util.h}), which writes every comm, container
 * id and fd name into the batches, checked by {@code src/test/native/util_check.cpp} built with
 * AddressSanitizer and UBSan: exactly the bytes asked for, nothing written after them.
 */
class StringCopyCheckTest {

    @Test
    void copiesExactlyTheBytesAskedFor() throws Exception {
        Path sources = Path.of("src", "test", "native").toAbsolutePath();
        Path out = Path.of("target", "native-test").toAbsolutePath();
        Path check = out.resolve("util_check");
        String make = run(List.of("make", "-s", "-C", sources.toString(), "OUT=" + out, check.toString()), 0);
        String result = run(List.of(check.toString()), 0);
        System.out.println(make + result);
    }

    private static String run(List<String> command, int expected) throws Exception {
        Path log = Files.createTempFile("util-check", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not end within 300 s");
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(expected, p.exitValue(), String.join(" ", command) + ":\n" + output);
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}

package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native live check ({@code src/test/native/live_check.cpp}) against this machine's kernel: the eBPF
 * source under libsinsp with a workload it starts (every syscall family's parameters as libsinsp parses
 * them, then a filtered pass), the kernel TCP events against a loopback TCP workload and a network
 * namespace with forced retransmits ({@code --tcp}), I/O events larger than half the programs' scratch, poll
 * on 20 descriptors and a udig ring overwritten by someone else during the run ({@code --edges}), and 50 start/stop cycles that must leave no
 * program, map, link, thread or shared memory behind ({@code --cycles}).
 *
 * <p>The check is built with {@code make} against the shim's sources. Where the eBPF programs cannot
 * load (no root, no BTF, a kernel older than 5.8) it exits with 77 and the test is skipped with its
 * reason, unless {@code KINDLING_REQUIRE_LIVE=1}: then the check itself fails. As root each mode runs in
 * a mount namespace of its own with its own {@code /dev/shm} and {@code /run/kindling} (the live lock), so that a live capture elsewhere on the
 * machine (udig's shared memory names are global) does not refuse it.
 */
class LiveCheckTest {

    private static final int SKIPPED = 77;
    private static Path check;

    @BeforeAll
    static void build() throws Exception {
        Path sources = Path.of("src", "test", "native").toAbsolutePath();
        Path out = Path.of("target", "native-test").toAbsolutePath();
        Result make = run(List.of("make", "-s", "-C", sources.toString(), "OUT=" + out, "all"), 600);
        assertEquals(0, make.status, "building live_check:\n" + make.output);
        check = out.resolve("live_check");
        assertTrue(Files.isExecutable(check), check + " was not built");
    }

    @Test
    void syscallEventsMatchTheWorkload() throws Exception {
        runMode(List.of(), 300);
    }

    @Test
    void kernelTcpEventsMatchTheWorkloadAndNstat() throws Exception {
        runMode(List.of("--tcp"), 300);
    }

    @Test
    void largeEventsPollListsAndACorruptedRing() throws Exception {
        runMode(List.of("--edges"), 300);
    }

    @Test
    void fiftyStartStopCyclesLeaveNothingBehind() throws Exception {
        runMode(List.of("--cycles", "50"), 600);
    }

    private static void runMode(List<String> args, long timeoutSeconds) throws Exception {
        List<String> command = new ArrayList<>();
        if (root() && Files.isExecutable(Path.of("/usr/bin/unshare"))) {
            // its own mount namespace and /dev/shm: udig's ring and the machine lock are private to it
            command.addAll(List.of("/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                    "mount -t tmpfs kindling-live-check /dev/shm && mkdir -p /run/kindling"
                            + " && mount -t tmpfs -o mode=0755 kindling-live-lock /run/kindling && exec \"$0\" \"$@\""));
        }
        command.add(check.toString());
        command.addAll(args);
        Result r = run(command, timeoutSeconds);
        System.out.println("live_check " + String.join(" ", args) + " (exit " + r.status + "):\n" + r.output);
        if (r.status == SKIPPED) {
            Assumptions.abort("live_check " + String.join(" ", args) + " skipped: " + lastLine(r.output));
        }
        assertEquals(0, r.status, "live_check " + String.join(" ", args) + " failed:\n" + r.output);
        assertTrue(r.output.contains("ok "), "live_check checked nothing:\n" + r.output);
        assertTrue(!r.output.contains("FAIL "), "live_check reported failures:\n" + r.output);
    }

    private static boolean root() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[2].equals("0");
            }
        }
        return false;
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }

    private record Result(int status, String output) {}

    private static Result run(List<String> command, long timeoutSeconds) throws Exception {
        Path log = Files.createTempFile("live-check", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                fail(String.join(" ", command) + " did not end within " + timeoutSeconds + " s:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}

package io.kindling.probe.itests.support;

import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the tests' own container daemons ({@link OwnDocker}, {@link OwnContainerd}, {@link OwnPodman}) share: skipping (or failing, with
 * {@code KINDLING_REQUIRE_LIVE=1}) where they cannot run, waiting for a daemon to answer, running its client, and
 * stopping it and removing its folder.
 */
final class OwnDaemon {

    private OwnDaemon() {}

    /** Skips the test (fails it with KINDLING_REQUIRE_LIVE=1) unless {@code ok}. */
    static void require(boolean ok, String tests, String why) {
        if (ok) {
            return;
        }
        if ("1".equals(System.getenv(LiveEnvironment.REQUIRE))) {
            fail(tests + " cannot run here (" + why + ") and " + LiveEnvironment.REQUIRE + "=1 asks for them");
        }
        assumeTrue(tests + " are skipped: " + why, false);
    }

    /** What a client command printed, and its exit status (-1: it did not end in time). */
    static OwnDocker.Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command), timeoutSeconds);
    }

    /** What a client command (with its environment) printed, and its exit status (-1: it did not end in time). */
    static OwnDocker.Result run(ProcessBuilder command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = command.redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new OwnDocker.Result(-1, new String(out, StandardCharsets.UTF_8));
        }
        return new OwnDocker.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Makes {@code root} a container's root folder: busybox-static's binary and links to its sh, echo and sleep. */
    static void busyboxFolder(Path root) throws IOException {
        for (String d : List.of("bin", "tmp", "proc", "sys", "dev", "etc")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        for (String applet : List.of("sh", "echo", "sleep")) {
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
    }

    /** A condition polled while the daemon starts. */
    interface Check {
        boolean ok() throws IOException, InterruptedException;
    }

    /** Waits up to 30 s for {@code answers}; skips the test (after {@code onFailure}) when the daemon ends or does not answer. */
    static void awaitStart(Process daemon, Path log, String tests, Check answers, Runnable onFailure)
            throws IOException, InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (!daemon.isAlive()) {
                String text = Files.readString(log);
                onFailure.run();
                require(false, tests, "the daemon ended at its start: " + text.substring(Math.max(0, text.length() - 2000)));
            }
            if (answers.ok()) {
                return;
            }
            Thread.sleep(100);
        }
        onFailure.run();
        require(false, tests, "the daemon did not answer within 30 s");
    }

    /** SIGTERM to the daemon (it stops what it started), then its folder removed unless something is still mounted in it. */
    static void stop(Process daemon, Path dir) throws IOException, InterruptedException {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
                daemon.waitFor(10, TimeUnit.SECONDS);
            }
        }
        String mounts = Files.readString(Path.of("/proc/self/mounts"));
        if (!mounts.contains(dir.toString())) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}

package io.kindling.probe.itests.support;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A containerd of the test's own (Debian's {@code containerd}): its root, state folder, sockets and configuration in a
 * folder of its own under /tmp, the CRI plugin off (no kubelet here), so that it never touches a containerd the machine
 * runs. Containers are started with {@code ctr run --rootfs} on a folder holding busybox-static's binary (no image, no
 * registry). Skips the calling test where containerd, ctr or busybox is missing, unless {@code KINDLING_REQUIRE_LIVE=1}.
 */
public final class OwnContainerd implements AutoCloseable {
    private final Path dir;
    private final Process daemon;

    private OwnContainerd(Path dir, Process daemon) {
        this.dir = dir;
        this.daemon = daemon;
    }

    private static void require(boolean ok, String why) {
        OwnDaemon.require(ok, "the containerd tests", why);
    }

    /** Starts the daemon and waits until it answers. */
    public static OwnContainerd start() throws IOException, InterruptedException {
        require(Files.isExecutable(Path.of("/usr/bin/containerd")) && Files.isExecutable(Path.of("/usr/bin/ctr")),
                "no containerd and ctr (Debian's containerd, installed by bin/setup)");
        require(Files.isExecutable(Path.of("/bin/busybox")), "no /bin/busybox (Debian's busybox-static)");
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "kp-containerd.");
        Files.writeString(dir.resolve("config.toml"), "version = 2\n"
                + "root = \"" + dir.resolve("root") + "\"\n"
                + "state = \"" + dir.resolve("state") + "\"\n"
                + "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                + "[grpc]\n  address = \"" + dir.resolve("containerd.sock") + "\"\n"
                + "[ttrpc]\n  address = \"" + dir.resolve("containerd.sock.ttrpc") + "\"\n");
        Path rootfs = dir.resolve("rootfs");
        OwnDaemon.busyboxFolder(rootfs);
        Process p = new ProcessBuilder("containerd", "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        OwnContainerd c = new OwnContainerd(dir, p);
        OwnDaemon.awaitStart(p, dir.resolve("containerd.log"), "the containerd tests",
                () -> Files.exists(c.socket()) && c.ctr(List.of("version"), 20).status() == 0, c::close);
        return c;
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    /** The state folder: the bundles are in io.containerd.runtime.v2.task/NAMESPACE/ID. */
    public Path state() {
        return dir.resolve("state");
    }

    /** The folder of busybox that {@code ctr run --rootfs} runs. */
    public Path rootfs() {
        return dir.resolve("rootfs");
    }

    /** Runs {@code ctr -a SOCKET ARGS}; standard output and error together. */
    public OwnDocker.Result ctr(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ctr", "-a", socket().toString()));
        command.addAll(args);
        return OwnDaemon.run(command, timeoutSeconds);
    }

    /** Runs {@code ctr -a SOCKET ARGS}; fails the test unless it succeeds; returns its output, trimmed. */
    public String run(String... args) throws IOException, InterruptedException {
        OwnDocker.Result r = ctr(List.of(args), 120);
        assertEquals("ctr " + String.join(" ", args) + ":\n" + r.out(), 0, r.status());
        return r.out().trim();
    }

    /** Removes the containers of {@code namespace} (their tasks killed), stops the daemon and removes its folder. */
    public void removeAll(String namespace) throws IOException, InterruptedException {
        for (String id : ctr(List.of("-n", namespace, "containers", "ls", "-q"), 30).out().split("\\s+")) {
            if (!id.isBlank()) {
                ctr(List.of("-n", namespace, "tasks", "kill", "-s", "SIGKILL", id), 30);
                ctr(List.of("-n", namespace, "tasks", "delete", "-f", id), 30);
                ctr(List.of("-n", namespace, "containers", "delete", id), 30);
            }
        }
    }

    @Override
    public void close() {
        try {
            OwnDaemon.stop(daemon, dir);
        } catch (IOException | InterruptedException e) {
            System.err.println("stopping the test's containerd in " + dir + ": " + e);
        }
    }
}

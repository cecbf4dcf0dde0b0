package io.kindling.probe.itests.support;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Docker daemon of the tests' own: Debian's {@code dockerd} with a data root, exec root (its own
 * containerd's state), pid file and unix socket in a folder of its own under /tmp, no bridge, no iptables
 * rules, so that it never touches a Docker the user runs (nor /var/run/docker.sock). One per test JVM,
 * started by the first test that asks ({@link #shared()}) and stopped when the JVM ends. Its image,
 * {@link #IMAGE}, is made without a registry: {@code docker import} of a folder holding busybox-static's
 * {@code /bin/busybox} (Debian's {@code busybox-static}). Where dockerd or busybox is missing, or the
 * daemon cannot start, the calling test is skipped with the reason, unless {@code KINDLING_REQUIRE_LIVE=1}
 * asks for it (then it fails).
 */
public final class OwnDocker implements AutoCloseable {

    /** The local image every container test runs. */
    public static final String IMAGE = "kindling-test/busybox:1";

    private static OwnDocker shared;

    private final Path dir;
    private final Process daemon;

    private OwnDocker(Path dir, Process daemon) {
        this.dir = dir;
        this.daemon = daemon;
    }

    /** The daemon of this JVM, started (with its image) by the first call. */
    public static synchronized OwnDocker shared() throws IOException, InterruptedException {
        if (shared != null && shared.daemon.isAlive()) {
            return shared;
        }
        shared = start();
        OwnDocker d = shared;
        Runtime.getRuntime().addShutdownHook(new Thread(d::close, "own-dockerd-stop"));
        return d;
    }

    private static void require(boolean ok, String why) {
        OwnDaemon.require(ok, "the container tests", why);
    }

    private static OwnDocker start() throws IOException, InterruptedException {
        require(Files.isExecutable(Path.of("/usr/sbin/dockerd")) || Files.isExecutable(Path.of("/usr/bin/dockerd")),
                "no dockerd (Debian's docker.io, installed by bin/setup)");
        require(Files.isExecutable(Path.of("/bin/busybox")), "no /bin/busybox (Debian's busybox-static)");
        // a short path: a unix socket's path has at most 107 bytes
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "kp-dockerd.");
        Process p = new ProcessBuilder("dockerd", "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("dockerd.pid").toString(),
                "-H", "unix://" + dir.resolve("docker.sock"), "--bridge=none", "--iptables=false", "--ip-masq=false",
                "--ip6tables=false", "--storage-driver=overlay2")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
        OwnDocker d = new OwnDocker(dir, p);
        OwnDaemon.awaitStart(p, dir.resolve("dockerd.log"), "the container tests",
                () -> Files.exists(d.socket()) && d.docker(List.of("version"), 20).status == 0, d::close);
        d.buildImage();
        return d;
    }

    /** The daemon's socket. */
    public Path socket() {
        return dir.resolve("docker.sock");
    }

    /** The daemon's own folder (data root, exec root, socket, log). */
    public Path dir() {
        return dir;
    }

    private void buildImage() throws IOException, InterruptedException {
        Path root = dir.resolve("image");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("tmp"));
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("sys"));
        Files.createDirectories(root.resolve("dev"));
        Files.createDirectories(root.resolve("etc"));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        for (String applet : List.of("sh", "echo", "cat", "sleep", "ls", "true")) {
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        // the host's /usr, mounted read-only (-v /usr:/usr:ro), runs the host's JDK in a container
        Files.createDirectories(root.resolve("usr"));
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        Files.createSymbolicLink(root.resolve("lib64"), Path.of("usr/lib64"));
        Process tar = new ProcessBuilder("sh", "-c", "tar -C '" + root + "' -c . | docker -H unix://" + socket()
                + " import --change 'ENV PATH=/bin' - " + IMAGE).redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("docker import of the busybox folder: " + out, 0, tar.waitFor());
    }

    /** What a docker command printed, and its exit status. */
    public record Result(int status, String out) {}

    /** Runs {@code docker ARGS} against this daemon; standard output and error together. */
    public Result docker(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "-H", "unix://" + socket()));
        command.addAll(args);
        return OwnDaemon.run(command, timeoutSeconds);
    }

    /** Runs {@code docker ARGS}; fails the test unless it succeeds; returns its output, trimmed. */
    public String run(String... args) throws IOException, InterruptedException {
        Result r = docker(Arrays.asList(args), 120);
        assertEquals("docker " + String.join(" ", args) + ":\n" + r.out, 0, r.status);
        return r.out.trim();
    }

    /** Stops the daemon (it stops its containers and its containerd) and removes its folder. */
    @Override
    public synchronized void close() {
        try {
            if (daemon.isAlive()) {
                for (String id : docker(List.of("ps", "-aq"), 30).out.split("\\s+")) {
                    if (!id.isBlank()) {
                        docker(List.of("rm", "-f", id), 30);
                    }
                }
            }
            OwnDaemon.stop(daemon, dir); // SIGTERM: dockerd stops its containerd and unmounts its layers
        } catch (IOException | InterruptedException e) {
            System.err.println("stopping the tests' dockerd in " + dir + ": " + e);
        }
    }
}

package io.kindling.probe.itests.support;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Podman of the test's own (Debian's {@code podman}, as root): its storage root, run root, temporary folder and
 * configuration in a folder of its own under /tmp, so that it never touches the machine's containers. Its
 * {@code containers.conf} (given by {@code CONTAINERS_CONF}) sets no default ulimits (as root, Podman raises
 * RLIMIT_NPROC and RLIMIT_NOFILE above the hard limits, which a root without CAP_SYS_RESOURCE, as in many CI
 * containers, cannot: runc's "error setting rlimit type 6"), the cgroupfs cgroup manager (no systemd needed) and
 * runc; events go to a file in its folder. Its image, {@link #IMAGE}, is {@code podman import} of a folder holding
 * busybox-static's binary. Podman's service ({@code podman system service}) answers the Docker Engine API on the
 * socket {@link #socket()}: the probe's container converter asks it as it asks Docker. Skips the calling test where
 * podman or busybox is missing or Podman cannot run a container here, unless {@code KINDLING_REQUIRE_LIVE=1}.
 */
public final class OwnPodman implements AutoCloseable {

    /** The local image the test runs (Podman names an image without a registry localhost/...). */
    public static final String IMAGE = "localhost/kindling-test/busybox:1";

    private final Path dir;
    private Process service;

    private OwnPodman(Path dir) {
        this.dir = dir;
    }

    private static void require(boolean ok, String why) {
        OwnDaemon.require(ok, "the Podman tests", why);
    }

    /**
     * {@link #start()}, or null where Podman cannot run here (the reason printed), so that a test can run its other
     * parts; with {@code KINDLING_REQUIRE_LIVE=1} that fails the test instead.
     */
    public static OwnPodman startOrSay() throws IOException, InterruptedException {
        try {
            return start();
        } catch (org.junit.AssumptionViolatedException e) {
            System.out.println("PODMAN not run: " + e.getMessage());
            return null;
        }
    }

    /** Makes its folder and image, checks that a container runs, and starts its Docker-API service. */
    public static OwnPodman start() throws IOException, InterruptedException {
        require(Files.isExecutable(Path.of("/usr/bin/podman")), "no podman (Debian's podman, installed by bin/setup)");
        require(Files.isExecutable(Path.of("/bin/busybox")), "no /bin/busybox (Debian's busybox-static)");
        // a short path: a unix socket's path has at most 107 bytes
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "kp-podman.");
        Files.writeString(dir.resolve("containers.conf"), "[containers]\ndefault_ulimits = []\n"
                + "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\nruntime = \"runc\"\n");
        Files.writeString(dir.resolve("storage.conf"), "[storage]\ndriver = \"overlay\"\n"
                + "graphroot = \"" + dir.resolve("root") + "\"\nrunroot = \"" + dir.resolve("runroot") + "\"\n");
        OwnPodman p = new OwnPodman(dir);
        Path image = dir.resolve("image");
        OwnDaemon.busyboxFolder(image);
        Process tar = p.process(List.of("sh", "-c", "tar -C '" + image + "' -c . | " + String.join(" ", p.podman())
                + " import --change 'ENV PATH=/bin' - " + IMAGE)).redirectErrorStream(true).start();
        String imported = new String(tar.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int status = tar.waitFor();
        if (status != 0) {
            p.close();
        }
        require(status == 0, "podman import of the busybox folder: " + imported.trim());
        OwnDocker.Result probe = p.podman(List.of("run", "--rm", "--network", "none", IMAGE, "sh", "-c", ":"), 120);
        if (probe.status() != 0) {
            p.close();
        }
        require(probe.status() == 0, "Podman cannot run a container here: " + probe.out().trim());
        List<String> service = new ArrayList<>(p.podman());
        service.addAll(List.of("system", "service", "--time", "0", "unix://" + p.socket()));
        p.service = p.process(service).redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile()).start();
        OwnDaemon.awaitStart(p.service, dir.resolve("service.log"), "the Podman tests", () -> Files.exists(p.socket()), p::close);
        return p;
    }

    /** The socket of Podman's service (the Docker Engine API). */
    public Path socket() {
        return dir.resolve("podman.sock");
    }

    /** {@code podman} with this folder's roots. */
    private List<String> podman() {
        return List.of("podman", "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("runroot").toString(),
                "--tmpdir", dir.resolve("tmp").toString(), "--cgroup-manager", "cgroupfs", "--events-backend", "file");
    }

    private ProcessBuilder process(List<String> command) {
        ProcessBuilder b = new ProcessBuilder(command);
        b.environment().put("CONTAINERS_CONF", dir.resolve("containers.conf").toString());
        b.environment().put("CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString());
        return b;
    }

    /** Runs {@code podman ARGS} with this folder's roots; standard output and error together. */
    public OwnDocker.Result podman(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(podman());
        command.addAll(args);
        return OwnDaemon.run(process(command), timeoutSeconds);
    }

    /** Runs {@code podman ARGS}; fails the test unless it succeeds; returns its output, trimmed. */
    public String run(String... args) throws IOException, InterruptedException {
        OwnDocker.Result r = podman(List.of(args), 120);
        assertEquals("podman " + String.join(" ", args) + ":\n" + r.out(), 0, r.status());
        return r.out().trim();
    }

    /** Removes its containers, stops its service, unmounts its storage and removes its folder. */
    @Override
    public void close() {
        try {
            podman(List.of("rm", "-af"), 60);
            // the image's layers; "system reset" is not used: it also removes network definitions outside this folder
            podman(List.of("rmi", "-af"), 60);
            OwnDaemon.stop(service, dir);
        } catch (IOException | InterruptedException e) {
            System.err.println("stopping the test's Podman in " + dir + ": " + e);
        }
    }
}

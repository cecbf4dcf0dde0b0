package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.ContainerRunsLock;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.MarkerWrites;
import io.kindling.probe.itests.support.OwnDocker;
import io.kindling.probe.itests.support.TestEnvironment;
import io.kindling.probe.itests.support.TestServers;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The node image, built by {@code bin/image} into a Docker daemon of the test's own and run with the
 * DaemonSet's settings, read from {@code deploy/kubernetes/kindling-probe.yaml} and turned into
 * {@code ctr run} flags (host pid namespace, host network, the capabilities, no others, a read-only
 * root, the mounts, the memory and cpu limits), with the ConfigMap's configuration folder plus a jsonl
 * sink configured only by a file there, writing to a mounted folder. A container started after the
 * probe writes markers to its standard output: each marker of its log (the oracle) arrives as a write
 * event with the container's id, name and image; a workload on the host is seen without a container;
 * Prometheus metrics are served on the port the configuration names and count the container's events;
 * the probe runs as user 65532 with the four capabilities; SIGTERM ends it with its summary and exit
 * status 0, and it starts again. {@link NodeImageDockerIT} runs the same checks under {@code docker run}.
 */
public class NodeImageIT {

    private static final Path ROOT = Path.of(System.getProperty("kindling.project.root", "..")).toAbsolutePath().normalize();
    private static final Path MANIFEST = ROOT.resolve("deploy/kubernetes/kindling-probe.yaml");
    private static final int MARKERS = 30;

    @Test
    public void theImageRunWithTheDaemonSetsSettingsSeesAContainerStartedAfterIt() throws Exception {
        // no other test runs containers on the machine meanwhile (see ContainerRunsLock)
        try (ContainerRunsLock turn = ContainerRunsLock.take()) {
            Prepared prepared = prepare("node-image");
            OwnDocker docker = prepared.docker();
            Path work = prepared.work();
            String image = prepared.image();
            // Docker 20.10 (Debian 12) refuses CAP_BPF and CAP_PERFMON: here the probe runs under Docker's containerd
            // through ctr, as Kubernetes runs it under containerd, and the workload through Docker (NodeImageDockerIT
            // runs it with docker run)
            Containerd ctr = new Containerd(docker.dir().resolve("exec/containerd/containerd.sock"));
            long importStart = System.nanoTime();
            Process save = new ProcessBuilder("sh", "-c", "docker -H unix://" + docker.socket() + " save " + image + " | ctr -a "
                    + ctr.socket + " -n " + Containerd.NAMESPACE + " images import -").redirectErrorStream(true).start();
            String imported = new String(save.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("docker save | ctr images import:\n" + imported, 0, save.waitFor());
            System.out.printf("NODE IMAGE docker save | ctr images import: %.1f s%n", (System.nanoTime() - importStart) / 1e9);
            runAndCheck(docker, work, new UnderContainerd(ctr, work, image));
        }
    }

    /** The test's Docker daemon, a fresh work folder, and the image built into that daemon. */
    record Prepared(OwnDocker docker, Path work, String image) {}

    /** Live capture is possible here; the test's Docker daemon; the image built into it with bin/image. */
    static Prepared prepare(String workFolder) throws Exception {
        LiveEnvironment.requireLive();
        OwnDocker docker = OwnDocker.shared();
        Path work = TestEnvironment.workDir(workFolder);
        return new Prepared(docker, work, buildImage(docker, work));
    }

    /** bin/image into the test's Docker daemon; returns the DaemonSet's image, which it made. */
    static String buildImage(OwnDocker docker, Path work) throws Exception {
        long buildStart = System.nanoTime();
        ProcessBuilder imageBuild = new ProcessBuilder("bash", ROOT.resolve("bin/image").toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("image.log").toFile());
        imageBuild.environment().put("DOCKER_HOST", "unix://" + docker.socket());
        Process build = imageBuild.start();
        build.getOutputStream().close();
        int built = build.waitFor();
        String buildLog = Files.readString(work.resolve("image.log"));
        assertEquals("bin/image:\n" + buildLog, 0, built);
        System.out.printf("NODE IMAGE built and imported in %.1f s:%n%s", (System.nanoTime() - buildStart) / 1e9, buildLog);
        String image = (String) only(podSpec(), "containers").get("image");
        assertTrue("bin/image made the DaemonSet's image " + image + ":\n" + buildLog, buildLog.contains(image));
        return image;
    }

    /** The probe's container, run by one container runtime with the DaemonSet's settings. */
    interface ProbeContainer {
        /**
         * Creates and starts it with the DaemonSet's settings, the ConfigMap volume from {@code config}, and
         * {@code out} mounted at /out; returns the command that did.
         */
        String start(Path config, Path out) throws Exception;

        /** What the probe wrote to its standard output and error since it was created. */
        String log() throws Exception;

        boolean running() throws Exception;

        /** The probe's process on the host. */
        long pid() throws Exception;

        /** SIGTERM; waits until it ends (at most 40 s, then SIGKILL); returns its exit status. */
        int stop() throws Exception;

        /** Starts the stopped container again. */
        void restart() throws Exception;

        /** Removes it, whatever its state. */
        void remove() throws Exception;

        /** Whether the runtime grants CAP_BPF and CAP_PERFMON (otherwise CAP_SYS_ADMIN in their place). */
        default boolean grantsBpf() {
            return true;
        }
    }

    /**
     * Runs the probe's container with the ConfigMap's configuration folder (laid out as the kubelet mounts it),
     * its Prometheus sink on a free port, and a jsonl sink configured only by a file of that folder writing to a
     * mounted folder; a workload in another container and one on the host write markers; checks the markers
     * arrive with the right container ids, the metrics, the user and capabilities, SIGTERM and a restart.
     */
    static void runAndCheck(OwnDocker docker, Path work, ProbeContainer probe) throws Exception {
        int port = TestServers.freePort();
        Path out = Files.createDirectories(work.resolve("out"));
        Files.deleteIfExists(out.resolve("events.jsonl"));
        Files.setAttribute(out, "unix:uid", 65532);
        Map<String, String> files = new TreeMap<>(configMapFiles());
        for (Map.Entry<String, String> file : files.entrySet()) {
            file.setValue(file.getValue().replaceAll("(?m)^port=9500$", "port=" + port));
        }
        assertTrue("the ConfigMap serves the metrics on 9500: " + files, files.values().stream().anyMatch(c -> c.contains("port=" + port)));
        files.put("io.kindling.probe.sink.jsonl-events.cfg", "kindling.subscriptions=syscall_exit-write\npath=/out/events.jsonl\n");
        Path config = ConfigFolderIT.configMapFolder(Files.createTempDirectory(work, "config"), files);

        Map<String, String> markers = new TreeMap<>();
        String probeLog;
        try {
            System.out.println("NODE IMAGE " + probe.start(config, out));
            String capturing = awaitLog(probe, "capturing:", 1);
            System.out.println("NODE IMAGE " + capturing);
            String metrics = awaitMetrics(port);
            assertTrue("the probe's own metrics:\n" + metrics, metrics.contains("kindling_probe_events_read_total"));
            long pid = probe.pid();
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            System.out.println("NODE IMAGE probe process " + pid + ": Uid " + line(status, "Uid:") + "; CapEff " + line(status, "CapEff:")
                    + "; CapBnd " + line(status, "CapBnd:") + "; VmRSS " + line(status, "VmRSS:"));
            assertEquals("the probe runs as user 65532", "65532 65532 65532 65532", line(status, "Uid:").replaceAll("\\s+", " "));
            // CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39) and no other; or CAP_SYS_ADMIN (21)
            // in place of the last two where the runtime knows neither
            long bpfPerfmon = (1L << 38) | (1L << 39);
            assertTrue(capabilities(podSpec()).containsAll(List.of("BPF", "PERFMON")));
            long given = probe.grantsBpf() ? bpfPerfmon : 1L << 21;
            long four = (1L << 2) | (1L << 19) | given;
            assertEquals(line(status, "CapEff:"), four, Long.parseLong(line(status, "CapEff:"), 16));
            // the container's bounding set: the four, and CAP_SETGID (6) and CAP_SETUID (7) for the entry point
            assertEquals(line(status, "CapBnd:"), four | (1L << 6) | (1L << 7), Long.parseLong(line(status, "CapBnd:"), 16));

            String name = "kp-node-workload";
            String id = docker.run("run", "-d", "--network", "none", "--name", name, OwnDocker.IMAGE, "sh", "-c",
                    "i=0; while [ $i -lt " + MARKERS + " ]; do echo ctr-marker-" + name + "-$i; i=$((i+1)); sleep 0.05; done");
            docker.run("wait", id);
            // a workload on the host, beside the containers: its lines in a file of its own are the oracle
            Process host = new ProcessBuilder("/bin/sh", "-c", "i=0; while [ $i -lt " + MARKERS + " ]; do echo ctr-marker-" + HOST
                    + "-$i; i=$((i+1)); sleep 0.05; done").redirectOutput(work.resolve("host-workload.log").toFile()).start();
            assertEquals("the host workload", 0, host.waitFor());
            Thread.sleep(2000);
            String after = awaitMetrics(port);
            Matcher counted = Pattern.compile("kindling_container_events_total\\{[^}]*container_name=\"" + name + "\"[^}]*\\} ([0-9.e+]+)")
                    .matcher(after);
            assertTrue("the metrics count the workload's events:\n" + grep(after, "kindling_container_events_total"), counted.find());
            System.out.println("NODE IMAGE metrics: " + counted.group());

            long stopStart = System.nanoTime();
            int exit = probe.stop();
            System.out.printf("NODE IMAGE SIGTERM: exit status %d in %.1f s%n", exit, (System.nanoTime() - stopStart) / 1e9);
            probeLog = probe.log();
            // the workload's own log, read once the probe no longer captures (docker writes it to its output)
            for (String line : docker.run("logs", id).split("\n")) {
                markers.put(line.trim(), id);
            }
            docker.run("rm", "-f", id);
            assertEquals("the workload's own log", MARKERS, markers.size());
            Files.move(out.resolve("events.jsonl"), work.resolve("events-first-run.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertNotEquals("the probe had to be killed:\n" + probeLog, 137, exit);
            // 0, or the JVM's 143 (128 + SIGTERM) once its shutdown hook has ended the run with its summary
            assertTrue("the probe's exit status after SIGTERM: " + exit + "\n" + probeLog, exit == 0 || exit == 143);
            assertTrue("the run's summary after SIGTERM:\n" + probeLog, probeLog.contains("summary of live events"));

            probe.restart();
            System.out.println("NODE IMAGE restarted: " + awaitLog(probe, "capturing:", 2));
            awaitMetrics(port);
            System.out.println("NODE IMAGE SIGTERM after the restart: exit status " + probe.stop());
        } finally {
            probe.remove();
        }
        System.out.println("NODE IMAGE probe log (first run):\n" + probeLog);

        Map<String, ContainersIT.Expected> expected = new LinkedHashMap<>();
        String id = markers.values().iterator().next();
        expected.put("kp-node-workload", new ContainersIT.Expected(id, "kp-node-workload", Map.of()));
        List<Map<String, Object>> events = ContainersIT.read(work.resolve("events-first-run.jsonl"));
        Map<String, Integer> seen = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        int right = ContainersIT.check(events, expected, seen, problems, true);
        // one pass over the events: the container's markers and the host workload's, told apart by the workload's name
        TreeSet<String> delivered = new TreeSet<>();
        List<String> hostSeen = new ArrayList<>();
        for (Map<String, Object> e : events) {
            Matcher m = MarkerWrites.find(e);
            if (m != null && m.group(1).equals("kp-node-workload")) {
                delivered.add(m.group());
            } else if (m != null && m.group(1).equals(HOST)) {
                // a host process: no container id, no container object
                hostSeen.add(m.group());
                Map<?, ?> thread = (Map<?, ?>) e.get("thread");
                Object containerId = thread.get("container_id");
                assertTrue("a host process has no container id: " + thread, containerId == null || "".equals(containerId));
                assertEquals("a host process has no container object: " + e, null, e.get("container"));
            }
        }
        System.out.println("NODE IMAGE events: " + events.size() + " write events in the mounted jsonl file; the workload's "
                + markers.size() + " log lines; " + right + " marker writes with its id, name and image; distinct markers "
                + delivered.size());
        assertEquals("marker writes delivered wrong", List.of(), problems.subList(0, Math.min(20, problems.size())));
        assertEquals("the markers of the workload's own log, each a write event of the container", markers.keySet(), delivered);
        assertEquals("one write event per line of its log", MARKERS, (int) seen.getOrDefault("kp-node-workload", 0));

        // the host's workload: every line of its file, once, as a write of a host process
        List<String> hostLines = Files.readAllLines(work.resolve("host-workload.log"));
        System.out.println("NODE IMAGE host workload: " + hostLines.size() + " lines in its file, " + hostSeen.size() + " write events");
        assertEquals("the host workload's lines, each a write event of a host process", new TreeSet<>(hostLines), new TreeSet<>(hostSeen));
        assertEquals("one write event per line of the host workload", hostLines.size(), hostSeen.size());
    }

    /** The marker name of the workload run on the host. */
    private static final String HOST = "kp-node-host";

    /** The capabilities containerd gives a container by default (its default spec's), which "drop ALL" drops. */
    private static final List<String> CONTAINERD_DEFAULT_CAPS = List.of("CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD",
            "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE");

    /** The capabilities the DaemonSet adds. */
    @SuppressWarnings("unchecked")
    static List<String> capabilities(Map<String, Object> pod) {
        Map<String, Object> security = (Map<String, Object>) only(pod, "containers").get("securityContext");
        return ((List<Object>) ((Map<String, Object>) security.get("capabilities")).getOrDefault("add", List.of())).stream()
                .map(Object::toString).toList();
    }

    /**
     * The DaemonSet's pod and container settings as flags of {@code ctr run} or of {@code docker run}
     * ({@code docker}); {@code configMaps}: a local folder for each ConfigMap volume; {@code work}: where a
     * hostPath folder that the node lacks is made empty (as the kubelet makes a DirectoryOrCreate one);
     * {@code instead}: capabilities the runtime does not know and the one it grants in their place.
     */
    @SuppressWarnings("unchecked")
    static List<String> runFlags(boolean docker, Map<String, Object> pod, Map<String, Object> container, Map<String, Path> configMaps,
            Path work, Map<String, String> instead) throws IOException {
        List<String> flags = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.get("hostPID"))) {
            // the host's pid namespace: this JVM's (the tests' mount namespace is their own, not their pid namespace)
            flags.addAll(docker ? List.of("--pid", "host") : List.of("--with-ns", "pid:/proc/" + ProcessHandle.current().pid() + "/ns/pid"));
        }
        if (Boolean.TRUE.equals(pod.get("hostNetwork"))) {
            flags.addAll(docker ? List.of("--network", "host") : List.of("--net-host"));
        }
        Map<String, Object> security = (Map<String, Object>) container.get("securityContext");
        assertEquals("the entry point starts as root to switch to its user", 0, security.get("runAsUser"));
        if (docker) {
            flags.addAll(List.of("--user", "0"));
        }
        if (Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
            flags.add("--read-only");
        }
        assertNotEquals("the DaemonSet is not privileged", Boolean.TRUE, security.get("privileged"));
        Map<String, Object> capabilities = (Map<String, Object>) security.get("capabilities");
        // Kubernetes drops first, then adds, as Docker does; ctr applies its drops last: those added are not dropped
        List<String> added = new ArrayList<>();
        for (Object c : (List<Object>) capabilities.getOrDefault("add", List.of())) {
            String cap = instead.getOrDefault(c.toString(), c.toString());
            if (!added.contains(cap)) {
                added.add(cap);
            }
        }
        for (Object c : (List<Object>) capabilities.getOrDefault("drop", List.of())) {
            if (docker) {
                flags.addAll(List.of("--cap-drop", c.toString()));
                continue;
            }
            for (String cap : "ALL".equals(c) ? CONTAINERD_DEFAULT_CAPS : List.of(c.toString())) {
                if (!added.contains(cap)) {
                    flags.addAll(List.of("--cap-drop", "CAP_" + cap));
                }
            }
        }
        for (String cap : added) {
            flags.addAll(List.of("--cap-add", docker ? cap : "CAP_" + cap));
        }
        Map<String, Object> limits = (Map<String, Object>) ((Map<String, Object>) container.get("resources")).get("limits");
        String memory = limits.get("memory").toString();
        assertTrue("memory in Mi: " + memory, memory.endsWith("Mi"));
        long bytes = Long.parseLong(memory.replace("Mi", "")) << 20;
        flags.addAll(docker ? List.of("--memory", String.valueOf(bytes)) : List.of("--memory-limit", String.valueOf(bytes)));
        flags.addAll(List.of("--cpus", limits.get("cpu").toString()));
        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        for (Object v : (List<Object>) pod.get("volumes")) {
            volumes.put((String) ((Map<String, Object>) v).get("name"), (Map<String, Object>) v);
        }
        for (Object m : (List<Object>) container.get("volumeMounts")) {
            Map<String, Object> mount = (Map<String, Object>) m;
            Map<String, Object> volume = volumes.get(mount.get("name"));
            boolean readOnly = Boolean.TRUE.equals(mount.get("readOnly"));
            String source;
            if (volume.containsKey("hostPath")) {
                Map<String, Object> hostPath = (Map<String, Object>) volume.get("hostPath");
                source = hostPath.get("path").toString();
                if ("DirectoryOrCreate".equals(hostPath.get("type")) && !Files.isDirectory(Path.of(source))) {
                    source = Files.createDirectories(work.resolve("host" + source.replace('/', '_'))).toString();
                }
            } else if (volume.containsKey("configMap")) {
                source = configMaps.get(mount.get("name")).toString();
            } else if (volume.containsKey("emptyDir")) {
                // an emptyDir is a new folder of the node's (a tmpfs for medium Memory) that the kubelet makes mode 0777:
                // a folder of the test's (a tmpfs mount takes its mode from the image's folder under Docker 20.10)
                Path empty = Files.createDirectories(work.resolve("empty-dir-" + mount.get("name")));
                Files.setPosixFilePermissions(empty, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
                source = empty.toString();
            } else {
                throw new AssertionError("a volume the test cannot give the runtime: " + volume);
            }
            flags.addAll(List.of("--mount", docker
                    ? "type=bind,src=" + source + ",dst=" + mount.get("mountPath") + (readOnly ? ",readonly" : "")
                    : "type=bind,src=" + source + ",dst=" + mount.get("mountPath") + ",options=" + (readOnly ? "rbind:ro" : "rbind")));
        }
        for (Object e : (List<Object>) container.getOrDefault("env", List.of())) {
            Map<String, Object> variable = (Map<String, Object>) e;
            flags.addAll(List.of(docker ? "-e" : "--env", variable.get("name") + "=" + variable.get("value")));
        }
        return flags;
    }

    /** The probe's container under Docker's containerd, through ctr. */
    static final class UnderContainerd implements ProbeContainer {
        private static final String ID = "kp-node-probe";
        private final Containerd ctr;
        private final Path work;
        private final String image;
        private final List<Path> logs = new ArrayList<>();

        UnderContainerd(Containerd ctr, Path work, String image) {
            this.ctr = ctr;
            this.work = work;
            this.image = image;
        }

        @Override
        public String start(Path config, Path out) throws Exception {
            Map<String, Object> pod = podSpec();
            logs.add(work.resolve("probe-1.log"));
            List<String> run = new ArrayList<>(List.of("run", "-d", "--log-uri", "file://" + logs.get(0)));
            run.addAll(runFlags(false, pod, only(pod, "containers"), Map.of("config", config), work, Map.of()));
            // for the container converter's names: the test daemon's socket where the entry point looks for it
            run.addAll(List.of("--mount", "type=bind,src=" + OwnDocker.shared().socket() + ",dst=/var/run/docker.sock,options=rbind",
                    "--mount", "type=bind,src=" + out + ",dst=/out,options=rbind",
                    "docker.io/" + image, ID));
            ctr.run(run.toArray(String[]::new));
            return "ctr " + String.join(" ", run);
        }

        @Override
        public String log() throws IOException {
            StringBuilder b = new StringBuilder();
            for (Path log : logs) {
                b.append(Files.exists(log) ? Files.readString(log) : "");
            }
            return b.toString();
        }

        @Override
        public boolean running() throws Exception {
            String[] task = ctr.task(ID);
            return task != null && task[2].equals("RUNNING");
        }

        @Override
        public long pid() throws Exception {
            return ctr.pid(ID);
        }

        @Override
        public int stop() throws Exception {
            return ctr.stop(ID);
        }

        @Override
        public void restart() throws Exception {
            logs.add(work.resolve("probe-" + (logs.size() + 1) + ".log"));
            ctr.run("task", "start", "-d", "--log-uri", "file://" + logs.get(logs.size() - 1), ID);
        }

        @Override
        public void remove() throws Exception {
            ctr.remove(ID);
        }
    }

    /** Docker's own containerd, through its {@code ctr} command, in a namespace of the test's. */
    static final class Containerd {
        static final String NAMESPACE = "kindling-test";
        final Path socket;

        Containerd(Path socket) {
            this.socket = socket;
        }

        OwnDocker.Result ctr(List<String> args, int timeoutSeconds) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", NAMESPACE));
            command.addAll(args);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new OwnDocker.Result(-1, new String(out, StandardCharsets.UTF_8));
            }
            return new OwnDocker.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        }

        String run(String... args) throws IOException, InterruptedException {
            OwnDocker.Result r = ctr(List.of(args), 120);
            assertEquals("ctr " + String.join(" ", args) + ":\n" + r.out(), 0, r.status());
            return r.out().trim();
        }

        /** The task's line of {@code ctr task ls}: ID, PID, STATUS. */
        String[] task(String id) throws IOException, InterruptedException {
            for (String line : run("task", "ls").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3 && f[0].equals(id)) {
                    return f;
                }
            }
            return null;
        }

        long pid(String id) throws IOException, InterruptedException {
            return Long.parseLong(task(id)[1]);
        }

        /** SIGTERM; waits (at most 40 s, then SIGKILL) until the task stops; deletes it; returns its exit status. */
        int stop(String id) throws IOException, InterruptedException {
            run("task", "kill", "-s", "SIGTERM", id);
            for (int i = 0; i < 400; i++) {
                String[] t = task(id);
                if (t == null || t[2].equals("STOPPED")) {
                    break;
                }
                Thread.sleep(100);
                if (i == 399) {
                    ctr(List.of("task", "kill", "-s", "SIGKILL", id), 30);
                    Thread.sleep(1000);
                }
            }
            // ctr task delete exits with the task's exit status
            return ctr(List.of("task", "delete", id), 60).status();
        }

        /** Removes the container and its task, whatever their state. */
        void remove(String id) throws IOException, InterruptedException {
            ctr(List.of("task", "kill", "-s", "SIGKILL", id), 30);
            ctr(List.of("task", "delete", "-f", id), 60);
            ctr(List.of("container", "delete", id), 60);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents() throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(MANIFEST)) {
            for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(reader)) {
                if (d != null) {
                    documents.add((Map<String, Object>) d);
                }
            }
        }
        return documents;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> podSpec() throws IOException {
        for (Map<String, Object> d : documents()) {
            if ("DaemonSet".equals(d.get("kind"))) {
                return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) d.get("spec")).get("template")).get("spec");
            }
        }
        throw new AssertionError("no DaemonSet in " + MANIFEST);
    }

    /** The ConfigMap's files: name and content. */
    @SuppressWarnings("unchecked")
    static Map<String, String> configMapFiles() throws IOException {
        for (Map<String, Object> d : documents()) {
            if ("ConfigMap".equals(d.get("kind"))) {
                Map<String, String> files = new TreeMap<>();
                ((Map<String, Object>) d.get("data")).forEach((name, content) -> files.put(name, content.toString()));
                return files;
            }
        }
        throw new AssertionError("no ConfigMap in " + MANIFEST);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> only(Map<String, Object> parent, String key) {
        List<Object> items = (List<Object>) parent.get(key);
        assertEquals(key, 1, items.size());
        return (Map<String, Object>) items.get(0);
    }

    /** Waits (at most 3 minutes) until the probe's log holds {@code text} {@code times} times; returns that line. */
    static String awaitLog(ProbeContainer probe, String text, int times) throws Exception {
        String content = "";
        for (int i = 0; i < 1800; i++) {
            content = probe.log();
            List<String> lines = content.lines().filter(l -> l.contains(text)).toList();
            if (lines.size() >= times) {
                return lines.get(times - 1);
            }
            if (!probe.running()) {
                fail("the probe's container ended before '" + text + "':\n" + content);
            }
            Thread.sleep(100);
        }
        fail("no '" + text + "' in the probe's log within 3 minutes:\n" + content);
        return null;
    }

    /** What the metrics endpoint serves, once it answers 200 (as the readiness check asks it). */
    static String awaitMetrics(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        IOException last = null;
        for (int i = 0; i < 300; i++) {
            try {
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return response.body();
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no metrics on port " + port, last);
    }

    static String line(String status, String key) {
        return status.lines().filter(l -> l.startsWith(key)).findFirst().orElse(key + " ?").substring(key.length()).trim();
    }

    static String grep(String text, String part) {
        StringBuilder b = new StringBuilder();
        text.lines().filter(l -> l.contains(part)).limit(20).forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }
}

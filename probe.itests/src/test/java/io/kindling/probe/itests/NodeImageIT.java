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
 * {@code docker run} flags (host pid namespace, host network, the capabilities, no others, a read-only
 * root, the mounts, the memory and cpu limits), with the ConfigMap's options plus a jsonl sink on a
 * mounted folder and the test's subscriptions. A container started after the probe writes markers to
 * its standard output: each marker of its log (the oracle) arrives as a write event with the
 * container's id, name and image; Prometheus metrics are served on the port the options name and
 * count the container's events; the probe runs as user 65532 with the four capabilities; SIGTERM ends
 * it with its summary, and it starts again.
 */
public class NodeImageIT {

    private static final Path ROOT = Path.of(System.getProperty("kindling.project.root", "..")).toAbsolutePath().normalize();
    private static final Path MANIFEST = ROOT.resolve("deploy/kubernetes/kindling-probe.yaml");
    private static final int MARKERS = 30;

    @Test
    public void theImageRunWithTheDaemonSetsSettingsSeesAContainerStartedAfterIt() throws Exception {
        // no other test runs containers on the machine meanwhile (see ContainerRunsLock)
        try (ContainerRunsLock turn = ContainerRunsLock.take()) {
            theImageRunWithTheDaemonSetsSettingsSeesAContainerStartedAfterItAlone();
        }
    }

    private void theImageRunWithTheDaemonSetsSettingsSeesAContainerStartedAfterItAlone() throws Exception {
        LiveEnvironment.requireLive();
        OwnDocker docker = OwnDocker.shared();
        Path work = TestEnvironment.workDir("node-image");

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

        Map<String, Object> pod = podSpec();
        Map<String, Object> container = only(pod, "containers");
        String image = (String) container.get("image");
        assertTrue("bin/image made the DaemonSet's image " + image + ":\n" + buildLog, buildLog.contains(image));

        // the ConfigMap's options, on a free port (the host's network), with a jsonl sink on a mounted folder
        int port = TestServers.freePort();
        Path config = Files.createDirectories(work.resolve("config"));
        Path out = Files.createDirectories(work.resolve("out"));
        Files.setAttribute(out, "unix:uid", 65532);
        String options = configMapOptions().replaceAll("(prometheus:[0-9.]+:)9500", "$1" + port);
        assertTrue("the ConfigMap serves the metrics on 9500: " + options, options.contains(":" + port));
        Files.writeString(config.resolve("probe.args"), options + "--sink jsonl:/out/events.jsonl\n--subscribe syscall_exit-write\n");

        // Docker 20.10 (Debian 12) refuses CAP_BPF and CAP_PERFMON: the probe runs under Docker's containerd
        // through ctr, as Kubernetes runs it under containerd, and the workload through Docker
        Containerd ctr = new Containerd(docker.dir().resolve("exec/containerd/containerd.sock"));
        long importStart = System.nanoTime();
        Process save = new ProcessBuilder("sh", "-c", "docker -H unix://" + docker.socket() + " save " + image + " | ctr -a "
                + ctr.socket + " -n " + Containerd.NAMESPACE + " images import -").redirectErrorStream(true).start();
        String imported = new String(save.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("docker save | ctr images import:\n" + imported, 0, save.waitFor());
        System.out.printf("NODE IMAGE docker save | ctr images import: %.1f s%n", (System.nanoTime() - importStart) / 1e9);
        // ctr's spec mounts a tmpfs on /run (Kubernetes' CRI leaves the image's /run, with /run/kindling owned by
        // the probe's user): the test mounts that folder as the image holds it
        Path runKindling = Files.createDirectories(work.resolve("run-kindling"));
        Files.setAttribute(runKindling, "unix:uid", 65532);
        Files.setAttribute(runKindling, "unix:gid", 65532);

        List<String> run = new ArrayList<>(List.of("run", "-d", "--log-uri", "file://" + work.resolve("probe-1.log")));
        run.addAll(ctrFlags(pod, container, Map.of("config", config)));
        // for the container converter's names: the test daemon's socket where the entry point looks for it
        run.addAll(List.of("--mount", "type=bind,src=" + docker.socket() + ",dst=/var/run/docker.sock,options=rbind",
                "--mount", "type=bind,src=" + out + ",dst=/out,options=rbind",
                "--mount", "type=bind,src=" + runKindling + ",dst=/run/kindling,options=rbind",
                "docker.io/" + image, "kp-node-probe"));
        System.out.println("NODE IMAGE ctr " + String.join(" ", run));
        Map<String, String> markers = new TreeMap<>();
        String probeLog;
        try {
            ctr.run(run.toArray(String[]::new));
            String capturing = awaitLog(ctr, work.resolve("probe-1.log"), "capturing:");
            System.out.println("NODE IMAGE " + capturing);
            String metrics = awaitMetrics(port);
            assertTrue("the probe's own metrics:\n" + metrics, metrics.contains("kindling_probe_events_read_total"));
            long pid = ctr.pid("kp-node-probe");
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            System.out.println("NODE IMAGE probe process " + pid + ": Uid " + line(status, "Uid:") + "; CapEff " + line(status, "CapEff:")
                    + "; CapBnd " + line(status, "CapBnd:") + "; VmRSS " + line(status, "VmRSS:"));
            assertEquals("the probe runs as user 65532", "65532 65532 65532 65532", line(status, "Uid:").replaceAll("\\s+", " "));
            // CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39) and no other
            long four = (1L << 2) | (1L << 19) | (1L << 38) | (1L << 39);
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

            int exit = ctr.stop("kp-node-probe");
            probeLog = Files.readString(work.resolve("probe-1.log"));
            // the workload's own log, read once the probe no longer captures (docker writes it to its output)
            for (String line : docker.run("logs", id).split("\n")) {
                markers.put(line.trim(), id);
            }
            docker.run("rm", "-f", id);
            assertEquals("the workload's own log", MARKERS, markers.size());
            Files.move(out.resolve("events.jsonl"), work.resolve("events-first-run.jsonl"));
            System.out.println("NODE IMAGE SIGTERM: exit status " + exit);
            assertNotEquals("the probe had to be killed:\n" + probeLog, 137, exit);
            assertTrue("the run's summary after SIGTERM:\n" + probeLog, probeLog.contains("summary of live events"));

            ctr.run("task", "start", "-d", "--log-uri", "file://" + work.resolve("probe-2.log"), "kp-node-probe");
            System.out.println("NODE IMAGE restarted: " + awaitLog(ctr, work.resolve("probe-2.log"), "capturing:"));
            awaitMetrics(port);
            System.out.println("NODE IMAGE SIGTERM after the restart: exit status " + ctr.stop("kp-node-probe"));
        } finally {
            ctr.remove("kp-node-probe");
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

    /**
     * The DaemonSet's pod and container settings as {@code ctr run} flags; {@code configMaps}: a local folder for
     * each ConfigMap volume.
     */
    @SuppressWarnings("unchecked")
    static List<String> ctrFlags(Map<String, Object> pod, Map<String, Object> container, Map<String, Path> configMaps) {
        List<String> flags = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.get("hostPID"))) {
            // the host's pid namespace: this JVM's (the tests' mount namespace is their own, not their pid namespace)
            flags.addAll(List.of("--with-ns", "pid:/proc/" + ProcessHandle.current().pid() + "/ns/pid"));
        }
        if (Boolean.TRUE.equals(pod.get("hostNetwork"))) {
            flags.add("--net-host");
        }
        Map<String, Object> security = (Map<String, Object>) container.get("securityContext");
        assertEquals("the entry point starts as root to switch to its user", 0, security.get("runAsUser"));
        if (Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
            flags.add("--read-only");
        }
        assertNotEquals("the DaemonSet is not privileged", Boolean.TRUE, security.get("privileged"));
        Map<String, Object> capabilities = (Map<String, Object>) security.get("capabilities");
        // Kubernetes drops first, then adds; ctr applies its drops last: those added are not dropped
        List<Object> added = (List<Object>) capabilities.getOrDefault("add", List.of());
        for (Object c : (List<Object>) capabilities.getOrDefault("drop", List.of())) {
            for (String cap : "ALL".equals(c) ? CONTAINERD_DEFAULT_CAPS : List.of(c.toString())) {
                if (!added.contains(cap)) {
                    flags.addAll(List.of("--cap-drop", "CAP_" + cap));
                }
            }
        }
        for (Object c : (List<Object>) capabilities.getOrDefault("add", List.of())) {
            flags.addAll(List.of("--cap-add", "CAP_" + c));
        }
        Map<String, Object> limits = (Map<String, Object>) ((Map<String, Object>) container.get("resources")).get("limits");
        String memory = limits.get("memory").toString();
        assertTrue("memory in Mi: " + memory, memory.endsWith("Mi"));
        flags.addAll(List.of("--memory-limit", String.valueOf(Long.parseLong(memory.replace("Mi", "")) << 20)));
        flags.addAll(List.of("--cpus", limits.get("cpu").toString()));
        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        for (Object v : (List<Object>) pod.get("volumes")) {
            volumes.put((String) ((Map<String, Object>) v).get("name"), (Map<String, Object>) v);
        }
        for (Object m : (List<Object>) container.get("volumeMounts")) {
            Map<String, Object> mount = (Map<String, Object>) m;
            Map<String, Object> volume = volumes.get(mount.get("name"));
            String options = Boolean.TRUE.equals(mount.get("readOnly")) ? "rbind:ro" : "rbind";
            String source;
            if (volume.containsKey("hostPath")) {
                source = ((Map<String, Object>) volume.get("hostPath")).get("path").toString();
            } else if (volume.containsKey("configMap")) {
                source = configMaps.get(mount.get("name")).toString();
            } else if (volume.containsKey("emptyDir")) {
                // an emptyDir is a folder of the node's disk: executables allowed (JNA extracts its library there)
                flags.addAll(List.of("--mount", "type=tmpfs,src=tmpfs,dst=" + mount.get("mountPath") + ",options=rw:exec:nosuid:size=64m"));
                continue;
            } else {
                throw new AssertionError("a volume the test cannot give ctr: " + volume);
            }
            flags.addAll(List.of("--mount", "type=bind,src=" + source + ",dst=" + mount.get("mountPath") + ",options=" + options));
        }
        for (Object e : (List<Object>) container.getOrDefault("env", List.of())) {
            Map<String, Object> variable = (Map<String, Object>) e;
            flags.addAll(List.of("--env", variable.get("name") + "=" + variable.get("value")));
        }
        return flags;
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

    @SuppressWarnings("unchecked")
    static String configMapOptions() throws IOException {
        for (Map<String, Object> d : documents()) {
            if ("ConfigMap".equals(d.get("kind"))) {
                return (String) ((Map<String, Object>) d.get("data")).get("probe.args");
            }
        }
        throw new AssertionError("no ConfigMap in " + MANIFEST);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> only(Map<String, Object> parent, String key) {
        List<Object> items = (List<Object>) parent.get(key);
        assertEquals(key, 1, items.size());
        return (Map<String, Object>) items.get(0);
    }

    /** Waits (at most 3 minutes) until the task's log holds {@code text}; returns that line. */
    private static String awaitLog(Containerd ctr, Path log, String text) throws Exception {
        String content = "";
        for (int i = 0; i < 1800; i++) {
            content = Files.exists(log) ? Files.readString(log) : "";
            java.util.Optional<String> line = content.lines().filter(l -> l.contains(text)).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            String[] task = ctr.task("kp-node-probe");
            if (task == null || !task[2].equals("RUNNING")) {
                fail("the probe's container ended before '" + text + "':\n" + content);
            }
            Thread.sleep(100);
        }
        fail("no '" + text + "' in the probe's log within 3 minutes:\n" + content);
        return null;
    }

    /** What the metrics endpoint serves, once it answers 200 (as the readiness check asks it). */
    private static String awaitMetrics(int port) throws Exception {
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

    private static String line(String status, String key) {
        return status.lines().filter(l -> l.startsWith(key)).findFirst().orElse(key + " ?").substring(key.length()).trim();
    }

    private static String grep(String text, String part) {
        StringBuilder b = new StringBuilder();
        text.lines().filter(l -> l.contains(part)).limit(20).forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }
}

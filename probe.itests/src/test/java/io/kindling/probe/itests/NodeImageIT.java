package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.LiveEnvironment;
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
        LiveEnvironment.requireLive();
        OwnDocker docker = OwnDocker.shared();
        Path work = TestEnvironment.workDir("node-image");

        long buildStart = System.nanoTime();
        ProcessBuilder image = new ProcessBuilder("bash", ROOT.resolve("bin/image").toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("image.log").toFile());
        image.environment().put("DOCKER_HOST", "unix://" + docker.socket());
        Process build = image.start();
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

        List<String> run = new ArrayList<>(List.of("run", "-d", "--name", "kp-node-probe"));
        run.addAll(dockerFlags(pod, container, Map.of("config", config)));
        // for the container converter's names: the test daemon's socket where the entry point looks for it
        run.addAll(List.of("-v", docker.socket() + ":/var/run/docker.sock", "-v", out + ":/out", image));
        System.out.println("NODE IMAGE docker " + String.join(" ", run));
        Map<String, String> markers = new TreeMap<>();
        String probeLog;
        try {
            docker.run(run.toArray(String[]::new));
            String capturing = awaitLog(docker, "kp-node-probe", "capturing:", 1);
            System.out.println("NODE IMAGE " + capturing);
            String metrics = awaitMetrics(port);
            assertTrue("the probe's own metrics:\n" + metrics, metrics.contains("kindling_probe_events_read_total"));
            long pid = Long.parseLong(docker.run("inspect", "-f", "{{.State.Pid}}", "kp-node-probe"));
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            System.out.println("NODE IMAGE probe process " + pid + ": " + line(status, "Uid:") + "; " + line(status, "CapEff:")
                    + "; " + line(status, "VmRSS:"));
            assertEquals("the probe runs as user 65532", "65532 65532 65532 65532", line(status, "Uid:").replaceAll("\\s+", " "));
            // CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39) and no other
            assertEquals(line(status, "CapEff:"), (1L << 2) | (1L << 19) | (1L << 38) | (1L << 39),
                    Long.parseLong(line(status, "CapEff:"), 16));

            String name = "kp-node-workload";
            String id = docker.run("run", "-d", "--network", "none", "--name", name, OwnDocker.IMAGE, "sh", "-c",
                    "i=0; while [ $i -lt " + MARKERS + " ]; do echo ctr-marker-" + name + "-$i; i=$((i+1)); sleep 0.05; done");
            docker.run("wait", id);
            for (String line : docker.run("logs", id).split("\n")) {
                markers.put(line.trim(), id);
            }
            assertEquals("the workload's own log", MARKERS, markers.size());
            Thread.sleep(2000);
            String after = awaitMetrics(port);
            Matcher counted = Pattern.compile("kindling_container_events_total\\{[^}]*container_name=\"" + name + "\"[^}]*\\} ([0-9.e+]+)")
                    .matcher(after);
            assertTrue("the metrics count the workload's events:\n" + grep(after, "kindling_container_events_total"), counted.find());
            System.out.println("NODE IMAGE metrics: " + counted.group());

            long stopStart = System.nanoTime();
            docker.run("stop", "-t", "30", "kp-node-probe");
            double stopSeconds = (System.nanoTime() - stopStart) / 1e9;
            String exit = docker.run("inspect", "-f", "{{.State.ExitCode}}", "kp-node-probe");
            probeLog = docker.run("logs", "kp-node-probe");
            System.out.printf("NODE IMAGE SIGTERM: exit status %s after %.1f s%n", exit, stopSeconds);
            assertNotEquals("docker stop had to kill the probe:\n" + probeLog, "137", exit);
            assertTrue("the run's summary after SIGTERM:\n" + probeLog, probeLog.contains("summary of live events"));

            docker.run("start", "kp-node-probe");
            System.out.println("NODE IMAGE restarted: " + awaitLog(docker, "kp-node-probe", "capturing:", 2));
            awaitMetrics(port);
            docker.run("stop", "-t", "30", "kp-node-probe");
            docker.run("rm", "-f", id);
        } finally {
            Files.writeString(work.resolve("probe.log"), docker.docker(List.of("logs", "kp-node-probe"), 30).out());
            docker.docker(List.of("rm", "-f", "kp-node-probe"), 30);
        }
        System.out.println("NODE IMAGE probe log (first run):\n" + probeLog);

        Map<String, ContainersIT.Expected> expected = new LinkedHashMap<>();
        String id = markers.values().iterator().next();
        expected.put("kp-node-workload", new ContainersIT.Expected(id, "kp-node-workload", Map.of()));
        List<Map<String, Object>> events = ContainersIT.read(out.resolve("events.jsonl"));
        Map<String, Integer> seen = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        int right = ContainersIT.check(events, expected, seen, problems, true);
        TreeSet<String> delivered = new TreeSet<>();
        Pattern marker = ContainersIT.MARKER;
        for (Map<String, Object> e : events) {
            Object data = e.get("attributes") instanceof Map<?, ?> a ? a.get("data") : null;
            if (data instanceof String text) {
                Matcher m = marker.matcher(new String(java.util.Base64.getDecoder().decode(text), StandardCharsets.ISO_8859_1));
                if (m.find()) {
                    delivered.add(m.group());
                }
            }
        }
        System.out.println("NODE IMAGE events: " + events.size() + " write events in the mounted jsonl file; the workload's "
                + markers.size() + " log lines; " + right + " marker writes with its id, name and image; distinct markers "
                + delivered.size());
        assertEquals("marker writes delivered wrong", List.of(), problems.subList(0, Math.min(20, problems.size())));
        assertEquals("the markers of the workload's own log, each a write event of the container", markers.keySet(), delivered);
        assertEquals("one write event per line of its log", MARKERS, (int) seen.getOrDefault("kp-node-workload", 0));
    }

    /** The DaemonSet's pod settings as {@code docker run} flags; {@code configMaps}: a local folder for each ConfigMap volume. */
    @SuppressWarnings("unchecked")
    static List<String> dockerFlags(Map<String, Object> pod, Map<String, Object> container, Map<String, Path> configMaps) {
        List<String> flags = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.get("hostPID"))) {
            flags.add("--pid=host");
        }
        flags.add(Boolean.TRUE.equals(pod.get("hostNetwork")) ? "--network=host" : "--network=none");
        Map<String, Object> security = (Map<String, Object>) container.get("securityContext");
        if (security.get("runAsUser") != null) {
            flags.add("--user=" + security.get("runAsUser"));
        }
        if (Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
            flags.add("--read-only");
        }
        if (Boolean.TRUE.equals(security.get("privileged"))) {
            fail("the DaemonSet is not privileged");
        }
        Map<String, Object> capabilities = (Map<String, Object>) security.get("capabilities");
        for (Object c : (List<Object>) capabilities.getOrDefault("drop", List.of())) {
            flags.add("--cap-drop=" + c);
        }
        for (Object c : (List<Object>) capabilities.getOrDefault("add", List.of())) {
            flags.add("--cap-add=" + c);
        }
        Map<String, Object> limits = (Map<String, Object>) ((Map<String, Object>) container.get("resources")).get("limits");
        flags.add("--memory=" + limits.get("memory").toString().replace("Mi", "m"));
        flags.add("--cpus=" + limits.get("cpu"));
        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        for (Object v : (List<Object>) pod.get("volumes")) {
            volumes.put((String) ((Map<String, Object>) v).get("name"), (Map<String, Object>) v);
        }
        for (Object m : (List<Object>) container.get("volumeMounts")) {
            Map<String, Object> mount = (Map<String, Object>) m;
            Map<String, Object> volume = volumes.get(mount.get("name"));
            String ro = Boolean.TRUE.equals(mount.get("readOnly")) ? ":ro" : "";
            if (volume.containsKey("hostPath")) {
                flags.addAll(List.of("-v", ((Map<String, Object>) volume.get("hostPath")).get("path") + ":" + mount.get("mountPath") + ro));
            } else if (volume.containsKey("configMap")) {
                flags.addAll(List.of("-v", configMaps.get(mount.get("name")) + ":" + mount.get("mountPath") + ro));
            } else if (volume.containsKey("emptyDir")) {
                // an emptyDir is a folder of the node's disk: executables allowed (JNA extracts its library there)
                flags.addAll(List.of("--tmpfs", mount.get("mountPath") + ":rw,exec,nosuid,size=64m"));
            } else {
                fail("a volume the test cannot give docker: " + volume);
            }
        }
        List<Object> env = (List<Object>) container.getOrDefault("env", List.of());
        for (Object e : env) {
            Map<String, Object> variable = (Map<String, Object>) e;
            flags.addAll(List.of("-e", variable.get("name") + "=" + variable.get("value")));
        }
        return flags;
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

    /** Waits (at most 3 minutes) until the container's log holds {@code text} {@code times} times; returns its last such line. */
    private static String awaitLog(OwnDocker docker, String container, String text, int times) throws Exception {
        String log = "";
        for (int i = 0; i < 1800; i++) {
            log = docker.docker(List.of("logs", container), 30).out();
            String[] lines = log.lines().filter(l -> l.contains(text)).toArray(String[]::new);
            if (lines.length >= times) {
                return lines[lines.length - 1];
            }
            String state = docker.docker(List.of("inspect", "-f", "{{.State.Running}}", container), 30).out().trim();
            if (!"true".equals(state)) {
                fail("the probe's container ended before '" + text + "':\n" + log);
            }
            Thread.sleep(100);
        }
        fail("no '" + text + "' in the probe's log within 3 minutes:\n" + log);
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

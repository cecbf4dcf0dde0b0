package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.ContainerRunsLock;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.MarkerWrites;
import io.kindling.probe.itests.support.OwnContainerd;
import io.kindling.probe.itests.support.OwnDocker;
import io.kindling.probe.itests.support.OwnPodman;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * Containers seen by the live probe with its default settings, on a Docker daemon of the test's own
 * ({@link OwnDocker}): a container started before the probe, containers started after it, and one with
 * the kubelet's cgroup parent and labels. Every write of theirs that carries a marker must arrive with
 * the container's short id, its name and image (from the Docker Engine API), and the pod's fields; the
 * run's {@code --write} capture holds each container's whole 64-character id (sysdig reads it in the
 * cgroups of the container's processes); a replay of that capture gives the same container ids.
 */
public class ContainersIT {

    /** A live probe of the default settings, subscribed to write exits, asking the test's Docker daemon for metadata. */
    static LiveCaptureIT.LiveProbe probe(Path work, OwnDocker docker, List<String> extra, String... jvmOptions)
            throws IOException, InterruptedException {
        List<String> options = new ArrayList<>(List.of("-Dkindling.container.docker.socket=" + docker.socket()));
        options.addAll(List.of(jvmOptions));
        return new LiveCaptureIT.LiveProbe(work, List.of(), options, LiveCaptureIT.LiveProbe.withSubscriptions(
                work.resolve("events.jsonl"), List.of("syscall_exit-write"), "900s", extra));
    }

    /** Ctrl-C; the run's summary (standard error). */
    static String stop(LiveCaptureIT.LiveProbe probe) throws IOException, InterruptedException {
        probe.stop();
        return probe.errors();
    }

    /** What a container is expected to show in the events. */
    record Expected(String fullId, String name, Map<String, String> pod) {
        String shortId() {
            return fullId.substring(0, 12);
        }
    }

    /** The shell script of a container: writes {@code n} markers of its name to a file, one every 50 ms. */
    static String writer(String name, int n) {
        return "i=0; while [ $i -lt " + n + " ]; do echo ctr-marker-" + name + "-$i > /tmp/marker; i=$((i+1)); sleep 0.05; done";
    }

    @Test
    public void everyContainerIsSeenAndNamedLiveAndInReplay() throws Exception {
        LiveEnvironment.requireLive();
        OwnDocker docker = OwnDocker.shared();
        Path work = TestEnvironment.workDir("containers/run");
        Path capture = work.resolve("containers.scap");
        Map<String, Expected> expected = new LinkedHashMap<>();
        int perContainer = 20;

        // a container that runs before the probe starts: its processes come from the /proc scan
        String before = docker.run("run", "-d", "--network", "none", "--name", "kp-before", OwnDocker.IMAGE,
                "sh", "-c", "sleep 1; " + writer("kp-before", 400));
        expected.put("kp-before", new Expected(before, "kp-before", Map.of()));
        String summary;
        try (LiveCaptureIT.LiveProbe probe = probe(work, docker, List.of("--write", capture.toString()))) {
            probe.awaitEvents();
            for (int i = 1; i <= 4; i++) {
                String name = "kp-after-" + i;
                String id = docker.run("run", "-d", "--network", "none", "--name", name, OwnDocker.IMAGE,
                        "sh", "-c", writer(name, perContainer));
                expected.put(name, new Expected(id, name, Map.of()));
            }
            String podUid = "3f1c2a9e-5b7d-4e21-9a43-0c8e6d2b7f10";
            String kube = docker.run("run", "-d", "--network", "none", "--name", "k8s_web_web-0_shop_" + podUid + "_0",
                    "--cgroup-parent", "/kubepods/burstable/pod" + podUid,
                    "--label", "io.kubernetes.pod.name=web-0", "--label", "io.kubernetes.pod.namespace=shop",
                    "--label", "io.kubernetes.pod.uid=" + podUid, "--label", "io.kubernetes.container.name=web",
                    OwnDocker.IMAGE, "sh", "-c", writer("kp-kube", perContainer));
            expected.put("kp-kube", new Expected(kube, "k8s_web_web-0_shop_" + podUid + "_0",
                    Map.of("pod_name", "web-0", "pod_namespace", "shop", "pod_uid", podUid, "pod_container", "web")));
            for (Expected e : expected.values()) {
                if (!e.name().equals("kp-before")) {
                    docker.run("wait", e.fullId());
                }
            }
            docker.run("rm", "-f", before);
            Thread.sleep(2000);
            summary = stop(probe);
        } finally {
            for (Expected e : expected.values()) {
                docker.docker(List.of("rm", "-f", e.fullId()), 30);
            }
        }
        System.out.println("CONTAINERS summary:\n" + summary);

        List<Map<String, Object>> events = read(work.resolve("events.jsonl"));
        Map<String, Integer> seen = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        int right = check(events, expected, seen, problems, true);
        System.out.println("CONTAINERS live: " + expected.size() + " containers, " + events.size() + " write events, "
                + right + " marker writes of containers with the right id, name, image and pod; per container " + seen);
        assertEquals("marker writes of containers delivered wrong", List.of(), problems.subList(0, Math.min(20, problems.size())));
        for (String name : expected.keySet()) {
            int n = seen.getOrDefault(name, 0);
            if (name.equals("kp-before")) {
                assertTrue("writes of the container started before the probe: " + n, n >= 10);
            } else {
                assertEquals("writes of container " + name, perContainer, n);
            }
        }

        // the --write capture holds the whole 64-character ids: sysdig shows them in the cgroups
        Process sysdig = new ProcessBuilder(System.getProperty(TestEnvironment.SYSDIG, "sysdig"), "-r", capture.toString(),
                "-p", "%thread.cgroups", "evt.type=execve and evt.dir=< and proc.name=sh").redirectErrorStream(true).start();
        String cgroups = new String(sysdig.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, sysdig.waitFor());
        for (Expected e : expected.values()) {
            if (e.name().equals("kp-before")) {
                continue;
            }
            String path = e.pod().isEmpty() ? "cpuset=/docker/" + e.fullId() + " "
                    : "cpuset=/kubepods/burstable/pod" + e.pod().get("pod_uid") + "/" + e.fullId() + " ";
            assertTrue("sysdig -r of the live --write capture shows " + path + "of " + e.name() + ":\n"
                    + cgroups.substring(0, Math.min(3000, cgroups.length())), (cgroups + " ").replace("\n", " \n").contains(path));
        }

        // the replay of that capture: the same container ids (metadata is the live run's: no runtime is asked)
        Path replayOut = work.resolve("replay.jsonl");
        ProbeProcess.Result replay = ProbeProcess.run(work.resolve("replay"), "replay", capture.toString(), "--subscribe", "syscall_exit-write",
                "--sink", "jsonl:" + replayOut);
        assertEquals("probe replay of the live capture:\n" + replay, 0, replay.exitCode());
        Map<String, Integer> replayed = new TreeMap<>();
        List<String> replayProblems = new ArrayList<>();
        int replayRight = check(read(replayOut), expected, replayed, replayProblems, false);
        System.out.println("CONTAINERS replay: " + replayRight + " marker writes with the right container id; per container " + replayed);
        assertEquals("marker writes of the replay", List.of(), replayProblems.subList(0, Math.min(20, replayProblems.size())));
        for (String name : expected.keySet()) {
            assertEquals("replayed writes of container " + name, seen.get(name), replayed.get(name));
        }
    }

    /**
     * Requests between containers, named in the metrics and the summary: a container {@code kp-web} that serves HTTP (a
     * JVM of the host's JDK, {@code HttpServe}) on its own loopback and calls it with busybox's {@code wget}; a
     * Kubernetes-style pod (the kubelet's names and labels) whose container {@code api} serves and whose container
     * {@code client}, in the pod's network ({@code --network container:}), calls it. The live probe, subscribed to
     * {@code net_request}, with the Prometheus sink: every request of theirs is counted under the server's container on
     * the entity series, and under the client's ({@code src_}) and the server's ({@code dst_}) on the topology series;
     * the summary's top keys name them; the {@code net_request} events carry their container.
     */
    @Test
    public void requestMetricsAndTheSummaryNameTheContainers() throws Exception {
        LiveEnvironment.requireLive();
        // the request converter's snaplen: no image test unpacks meanwhile (see ContainerRunsLock)
        try (ContainerRunsLock turn = ContainerRunsLock.take()) {
            requestMetricsAndTheSummaryNameTheContainersAlone();
        }
    }

    private void requestMetricsAndTheSummaryNameTheContainersAlone() throws Exception {
        OwnDocker docker = OwnDocker.shared();
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toRealPath();
        org.junit.Assume.assumeTrue("the JDK is not under /usr, which the test mounts into the containers: " + javaBin,
                javaBin.startsWith("/usr/"));
        Path work = TestEnvironment.workDir("containers/requests");
        int n = 20;
        int metricsPort = io.kindling.probe.itests.support.TestServers.freePort();
        String podUid = "7a2e4c1b-9d3f-4b8a-8e6c-5f1a0b9c2d47";
        List<String> jvm = new ArrayList<>(List.of("-v", "/usr:/usr:ro", "-v", Path.of("src/test/java-in-container").toAbsolutePath()
                + ":/src:ro"));
        try (var etc = Files.list(Path.of("/etc"))) { // Debian's JDK keeps its configuration under /etc/java-N-openjdk
            for (Path d : (Iterable<Path>) etc.filter(f -> f.getFileName().toString().startsWith("java-"))::iterator) {
                jvm.addAll(List.of("-v", d + ":" + d + ":ro"));
            }
        }
        String serve = javaBin + " -Xshare:off -XX:TieredStopAtLevel=1 -Xmx32m /src/HttpServe.java";
        // wget until the server answers, N calls, then /quit
        String calls = "until busybox wget -q -O /dev/null http://127.0.0.1:%1$d/ready; do sleep 0.2; done; i=0; while [ $i -lt " + n
                + " ]; do busybox wget -q -O /dev/null http://127.0.0.1:%1$d/%2$s; i=$((i+1)); done; busybox wget -q -O /dev/null "
                + "http://127.0.0.1:%1$d/quit";
        List<String> ids = new ArrayList<>();
        String scraped;
        String summary;
        String webId;
        String apiId;
        String clientId;
        Map<Map<String, String>, io.opentelemetry.proto.metrics.v1.HistogramDataPoint> otlpServer;
        Map<Map<String, String>, io.opentelemetry.proto.metrics.v1.HistogramDataPoint> otlpClient;
        try (io.kindling.probe.sink.otlp.OtlpReceiver receiver = new io.kindling.probe.sink.otlp.OtlpReceiver();
                LiveCaptureIT.LiveProbe probe = new LiveCaptureIT.LiveProbe(work, List.of(),
                List.of("-Dkindling.container.docker.socket=" + docker.socket()), LiveCaptureIT.LiveProbe.withSubscriptions(
                        work.resolve("events.jsonl"), List.of("net_request"), "300s",
                        List.of("--sink", "prometheus:127.0.0.1:" + metricsPort, "--sink", "otlp:" + receiver.endpoint())))) {
            probe.awaitCapturing();
            List<String> web = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", "kp-web"));
            web.addAll(jvm);
            web.addAll(List.of(OwnDocker.IMAGE, "sh", "-c", serve + " 8080 & " + String.format(calls, 8080, "index") + "; wait"));
            webId = docker.run(web.toArray(String[]::new));
            ids.add(webId);
            List<String> pod = List.of("--cgroup-parent", "/kubepods/burstable/pod" + podUid, "--label", "io.kubernetes.pod.name=api-0",
                    "--label", "io.kubernetes.pod.namespace=shop", "--label", "io.kubernetes.pod.uid=" + podUid);
            List<String> api = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", "k8s_api_api-0_shop_" + podUid + "_0"));
            api.addAll(pod);
            api.addAll(jvm);
            api.addAll(List.of("--label", "io.kubernetes.container.name=api", OwnDocker.IMAGE, "sh", "-c", "exec " + serve + " 8081"));
            apiId = docker.run(api.toArray(String[]::new));
            ids.add(apiId);
            List<String> client = new ArrayList<>(List.of("run", "-d", "--network", "container:" + apiId, "--name",
                    "k8s_client_api-0_shop_" + podUid + "_0"));
            client.addAll(pod);
            client.addAll(List.of("--label", "io.kubernetes.container.name=client", OwnDocker.IMAGE, "sh", "-c",
                    String.format(calls, 8081, "api")));
            clientId = docker.run(client.toArray(String[]::new));
            ids.add(clientId);
            for (String id : ids) {
                assertEquals("0", docker.run("wait", id));
            }
            scraped = scrapeUntilQuitCounted(metricsPort);
            summary = stop(probe);
            // the OTLP sink's last export, at the end of the run
            assertTrue("the OTLP receiver got the client side", io.kindling.probe.sink.otlp.OtlpReceiver.await(() -> receiver.histogram(
                    "http.client.request.duration").keySet().stream().anyMatch(k -> "/api".equals(k.get("http.route"))), 20));
            otlpServer = receiver.histogram("http.server.request.duration");
            otlpClient = receiver.histogram("http.client.request.duration");
        } finally {
            for (String id : ids) {
                docker.docker(List.of("rm", "-f", id), 30);
            }
        }
        System.out.println("CONTAINER REQUESTS summary:\n" + summary);
        Files.writeString(work.resolve("scrape.txt"), scraped);
        Map<String, Double> entity = series(scraped, "kindling_entity_request_total", "request_content", "dst_port", "container_id",
                "container", "pod", "namespace");
        Map<String, Double> topology = series(scraped, "kindling_topology_request_total", "request_content", "dst_port",
                "src_container_id", "src_container", "src_pod", "src_namespace", "dst_container_id", "dst_container", "dst_pod",
                "dst_namespace");
        System.out.println("CONTAINER REQUESTS entity " + entity + "\nCONTAINER REQUESTS topology " + topology);
        String web = webId.substring(0, 12);
        String apiShort = apiId.substring(0, 12);
        assertEquals("the server's container on the entity series", Map.of("/index|8080|" + web + "|kp-web||", (double) n,
                "/api|8081|" + apiShort + "|api|api-0|shop", (double) n), only(entity, "/index|", "/api|"));
        assertEquals("the client's and the server's containers on the topology series", Map.of(
                "/index|8080|" + web + "|kp-web|||" + web + "|kp-web||", (double) n,
                "/api|8081|" + clientId.substring(0, 12) + "|client|api-0|shop|" + apiShort + "|api|api-0|shop", (double) n),
                only(topology, "/index|", "/api|"));
        assertTrue(summary, summary.contains("/index (kp-web > kp-web) " + 2 * n));
        assertTrue(summary, summary.contains("/api (shop/api-0 > shop/api-0) " + 2 * n));

        // OTLP: the side's container as OpenTelemetry's conventions name it
        Map<String, Long> otlp = new TreeMap<>();
        for (var points : List.of(otlpServer, otlpClient)) {
            points.forEach((k, v) -> {
                if ("/api".equals(k.get("http.route")) || "/index".equals(k.get("http.route"))) {
                    otlp.merge(k.get("http.route") + "|" + k.get("container.id") + "|" + k.get("container.name") + "|"
                            + k.get("k8s.pod.name") + "|" + k.get("k8s.namespace.name") + "|" + k.get("k8s.container.name"),
                            v.getCount(), Long::sum);
                }
            });
        }
        System.out.println("CONTAINER REQUESTS otlp " + otlp);
        assertEquals("OTLP request metrics of both sides, with their containers", Map.of(
                "/index|" + web + "|kp-web|null|null|null", 2L * n,
                "/api|" + apiShort + "|k8s_api_api-0_shop_" + podUid + "_0|api-0|shop|api", (long) n,
                "/api|" + clientId.substring(0, 12) + "|k8s_client_api-0_shop_" + podUid + "_0|api-0|shop|client", (long) n), otlp);

        // the events themselves carry the container, as the container converter describes it
        int named = 0;
        List<String> shortIds = ids.stream().map(id -> id.substring(0, 12)).toList();
        for (Map<String, Object> e : read(work.resolve("events.jsonl"))) {
            @SuppressWarnings("unchecked")
            Map<String, Object> thread = (Map<String, Object>) e.get("thread");
            if (!shortIds.contains(thread.get("container_id"))) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) e.get("container");
            assertTrue("a net_request of the test's containers without its container's name: " + e, c != null && c.get("name") != null);
            named++;
        }
        assertTrue("net_request events of the test's containers: " + named, named >= 4 * n);
    }

    /**
     * The Prometheus sink's scrape once it counted the last requests of the workload, both sides of both {@code /quit}
     * calls (the sink receives the events in order), or after 20 s.
     */
    private static String scrapeUntilQuitCounted(int port) throws IOException, InterruptedException {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        String body = "";
        for (int i = 0; i < 100; i++) {
            body = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            long quits = body.lines().filter(l -> (l.startsWith("kindling_entity_request_total{")
                    || l.startsWith("kindling_topology_request_total{")) && l.contains("request_content=\"/quit\"")).count();
            if (quits >= 4) {
                break;
            }
            Thread.sleep(200);
        }
        return body;
    }

    /** The series whose key starts with one of {@code prefixes}. */
    private static Map<String, Double> only(Map<String, Double> series, String... prefixes) {
        Map<String, Double> out = new TreeMap<>();
        series.forEach((k, v) -> {
            for (String p : prefixes) {
                if (k.startsWith(p)) {
                    out.put(k, v);
                }
            }
        });
        return out;
    }

    /** The samples of a counter in a scrape, by the values of {@code labels} joined with '|'. */
    static Map<String, Double> series(String scrape, String metric, String... labels) {
        Map<String, Double> out = new TreeMap<>();
        Pattern label = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(metric + "{")) {
                continue;
            }
            int end = line.lastIndexOf('}');
            Map<String, String> values = new java.util.HashMap<>();
            Matcher m = label.matcher(line.substring(metric.length() + 1, end));
            while (m.find()) {
                values.put(m.group(1), m.group(2));
            }
            List<String> key = new ArrayList<>();
            for (String l : labels) {
                key.add(values.getOrDefault(l, "?"));
            }
            out.merge(String.join("|", key), Double.parseDouble(line.substring(end + 1).trim()), Double::sum);
        }
        return out;
    }

    /** A random 64-character container id, as containerd's CRI plugin and CRI-O make them. */
    static String containerId() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * containerd's containers, as a Kubernetes node runs them, on a containerd of the test's own ({@link OwnContainerd},
     * its state folder not the default one): one as containerd's CRI plugin makes it (cgroup
     * {@code /kubepods/besteffort/pod<UID>/<ID>}, the plugin's {@code io.kubernetes.cri.*} annotations in the OCI spec),
     * one as CRI-O makes it (cgroup {@code /kubepods/burstable/pod<UID>/crio-<ID>}, the kubelet's
     * {@code io.kubernetes.pod.*} names as annotations), both started with {@code ctr run}. The probe, with its default
     * settings, finds their bundles from containerd's shims: every marker write carries the container's id, and all but
     * the first few (written before the bundle was read: there is no event stream to follow) the pod's name, namespace,
     * uid, the container's name and the image.
     * <p>
     * In the same run, where Podman can run here ({@link OwnPodman}), a container of Podman's, started after the probe
     * (cgroup {@code /libpod_parent/libpod-<ID>} with the cgroupfs manager): the probe asks Podman's service, which
     * answers the Docker Engine API, so every marker write carries the container's id, its name and image.
     */
    @Test
    public void containerdsAndPodmansContainersAreNamed() throws Exception {
        LiveEnvironment.requireLive();
        try (OwnPodman podman = OwnPodman.startOrSay()) {
            containerdsAndPodmansContainersAreNamed(podman);
        }
    }

    private void containerdsAndPodmansContainersAreNamed(OwnPodman podman) throws Exception {
        Path work = TestEnvironment.workDir("containers/containerd");
        int perContainer = 20;
        String criId = containerId();
        String crioId = containerId();
        String criPod = "5a0c9e2f-41d7-4b8e-a3f6-2d9c1b7e8f01";
        String crioPod = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";
        Map<String, Expected> expected = new LinkedHashMap<>();
        expected.put("kp-cri", new Expected(criId, "web", Map.of("pod_name", "web-0", "pod_namespace", "shop", "pod_uid", criPod,
                "pod_container", "web", "image", "registry.local/shop/web:1.0")));
        expected.put("kp-crio", new Expected(crioId, "api", Map.of("pod_name", "api-7f9c", "pod_namespace", "prod", "pod_uid", crioPod,
                "pod_container", "api", "image", "quay.io/acme/api:2.1")));
        String summary;
        // Podman's service is the Docker API the probe asks; containerd's containers are not in it: their bundles tell
        List<String> options = podman == null ? List.of() : List.of("-Dkindling.container.docker.socket=" + podman.socket());
        try (OwnContainerd containerd = OwnContainerd.start();
                LiveCaptureIT.LiveProbe probe = new LiveCaptureIT.LiveProbe(work, List.of(), options,
                        LiveCaptureIT.LiveProbe.withSubscriptions(work.resolve("events.jsonl"), List.of("syscall_exit-write"), "900s",
                                List.of()))) {
            try {
                probe.awaitEvents();
                containerd.run("-n", "k8s.io", "run", "-d", "--rootfs", "--null-io", "--env", "PATH=/bin",
                        "--cgroup", "/kubepods/besteffort/pod" + criPod + "/" + criId,
                        "--annotation", "io.kubernetes.cri.container-type=container",
                        "--annotation", "io.kubernetes.cri.container-name=web",
                        "--annotation", "io.kubernetes.cri.sandbox-id=" + containerId(),
                        "--annotation", "io.kubernetes.cri.sandbox-name=web-0",
                        "--annotation", "io.kubernetes.cri.sandbox-namespace=shop",
                        "--annotation", "io.kubernetes.cri.sandbox-uid=" + criPod,
                        "--annotation", "io.kubernetes.cri.image-name=registry.local/shop/web:1.0",
                        containerd.rootfs().toString(), criId, "sh", "-c", writer("kp-cri", perContainer));
                containerd.run("-n", "k8s.io", "run", "-d", "--rootfs", "--null-io", "--env", "PATH=/bin",
                        "--cgroup", "/kubepods/burstable/pod" + crioPod + "/crio-" + crioId,
                        "--annotation", "io.kubernetes.pod.name=api-7f9c",
                        "--annotation", "io.kubernetes.pod.namespace=prod",
                        "--annotation", "io.kubernetes.pod.uid=" + crioPod,
                        "--annotation", "io.kubernetes.container.name=api",
                        "--annotation", "io.kubernetes.cri-o.ContainerType=container",
                        "--annotation", "io.kubernetes.cri-o.ImageName=quay.io/acme/api:2.1",
                        containerd.rootfs().toString(), crioId, "sh", "-c", writer("kp-crio", perContainer));
                if (podman != null) {
                    String id = podman.run("run", "-d", "--network", "none", "--name", "kp-podman", OwnPodman.IMAGE,
                            "sh", "-c", writer("kp-podman", perContainer));
                    expected.put("kp-podman", new Expected(id, "kp-podman", Map.of("image", OwnPodman.IMAGE)));
                    podman.run("wait", id);
                }
                for (int i = 0; i < 600 && containerd.run("-n", "k8s.io", "tasks", "ls").contains("RUNNING"); i++) {
                    Thread.sleep(100);
                }
                Thread.sleep(2000);
                summary = stop(probe);
            } finally {
                containerd.removeAll("k8s.io");
            }
        }
        System.out.println("CONTAINERS containerd and Podman summary:\n" + summary);
        Map<String, Integer> seen = new TreeMap<>();
        Map<String, Integer> described = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> e : read(work.resolve("events.jsonl"))) {
            Matcher m = MarkerWrites.find(e);
            if (m == null || !expected.containsKey(m.group(1))) {
                continue;
            }
            Expected x = expected.get(m.group(1));
            seen.merge(m.group(1), 1, Integer::sum);
            @SuppressWarnings("unchecked")
            Map<String, Object> thread = (Map<String, Object>) e.get("thread");
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) e.get("container");
            if (!x.shortId().equals(thread.get("container_id")) || c == null || !x.shortId().equals(c.get("id"))) {
                problems.add(m.group() + ": thread " + thread + ", container " + c);
                continue;
            }
            if ("".equals(c.getOrDefault("name", ""))) {
                continue; // before the bundle was read (or the runtime answered): the id alone
            }
            List<String> wrong = new ArrayList<>();
            expect(wrong, c, "name", x.name());
            for (Map.Entry<String, String> p : x.pod().entrySet()) {
                expect(wrong, c, p.getKey(), p.getValue());
            }
            if (wrong.isEmpty()) {
                described.merge(m.group(1), 1, Integer::sum);
            } else {
                problems.add(m.group() + ": " + wrong);
            }
        }
        System.out.println("CONTAINERS containerd and Podman: marker writes per container " + seen + ", with the pod and container named "
                + described + "; table " + containerFigures(summary));
        assertEquals("marker writes of containerd's and Podman's containers delivered wrong", List.of(), problems);
        for (String name : expected.keySet()) {
            assertEquals("marker writes of " + name, perContainer, (int) seen.getOrDefault(name, 0));
            // Podman's service tells of the container as it is created; a bundle is read on the container's first event
            int named = name.equals("kp-podman") ? perContainer : perContainer - 5;
            assertTrue("marker writes of " + name + " named by its bundle or its runtime: " + described,
                    described.getOrDefault(name, 0) >= named);
        }
        assertTrue("lookups answered from bundles: " + summary, containerFigures(summary).getOrDefault("lookups_from_bundles", 0L) >= 2);
    }

    /**
     * A JVM in a container (the host's JDK, /usr mounted read-only into the busybox image) names three
     * threads the way Kindling's Java agent does, with their ids in the container's pid namespace: the
     * writes of those threads arrive with their Java names as {@code comm}, their in-container ids as
     * {@code vtid} beside the host's {@code tid}, and the container's id.
     */
    @Test
    public void aContainerizedJvmsThreadNamesAreJoinedByTheirIdsInTheContainer() throws Exception {
        LiveEnvironment.requireLive();
        OwnDocker docker = OwnDocker.shared();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java").toRealPath();
        org.junit.Assume.assumeTrue("the JDK is not under /usr, which the test mounts into the container: " + java,
                java.startsWith("/usr/"));
        Path work = TestEnvironment.workDir("containers/jvm");
        Path source = Path.of("src/test/java-in-container").toAbsolutePath();
        Path out = work.resolve("out");
        Files.createDirectories(out);
        String id;
        String log;
        try (LiveCaptureIT.LiveProbe probe = probe(work, docker, List.of("--subscribe", "java_futex_info"))) {
            probe.awaitEvents();
            List<String> run = new ArrayList<>(List.of("run", "-d", "--network", "none", "-v", "/usr:/usr:ro",
                    "-v", source + ":/src:ro", "-v", out + ":/out"));
            // Debian's JDK keeps its configuration under /etc/java-N-openjdk (links from its conf folder)
            try (var etc = Files.list(Path.of("/etc"))) {
                for (Path d : (Iterable<Path>) etc.filter(f -> f.getFileName().toString().startsWith("java-"))::iterator) {
                    run.addAll(List.of("-v", d + ":" + d + ":ro"));
                }
            }
            run.addAll(List.of(OwnDocker.IMAGE, java.toString(), "-Xshare:off", "-XX:TieredStopAtLevel=1",
                    "/src/ThreadNames.java", "/out"));
            id = docker.run(run.toArray(String[]::new));
            docker.run("wait", id);
            log = docker.run("logs", id);
            Thread.sleep(2000);
            stop(probe);
        }
        docker.run("rm", "-f", id);
        Map<String, Long> vtids = new TreeMap<>();
        for (String line : log.split("\n")) {
            String[] p = line.trim().split(" ");
            if (p.length == 2 && p[0].startsWith("kp-worker-")) {
                vtids.put(p[0], Long.parseLong(p[1]));
            }
        }
        assertEquals("the JVM's threads and their ids in the container:\n" + log, 3, vtids.size());
        Pattern write = Pattern.compile("jvm-write-(kp-worker-\\d)-\\d");
        Map<String, Integer> named = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> e : read(work.resolve("events.jsonl"))) {
            Matcher m = MarkerWrites.find(e, write);
            if (m == null) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> thread = (Map<String, Object>) e.get("thread");
            String thread0 = m.group(1);
            if (!thread0.equals(thread.get("comm")) || !id.substring(0, 12).equals(thread.get("container_id"))
                    || !Long.valueOf(vtids.get(thread0)).equals(((Number) thread.getOrDefault("vtid", -1L)).longValue())
                    || ((Number) thread.get("tid")).longValue() == vtids.get(thread0)) {
                problems.add(m.group() + ": " + thread);
            } else {
                named.merge(thread0, 1, Integer::sum);
            }
        }
        System.out.println("CONTAINERS jvm: thread ids in the container " + vtids + ", writes named right " + named);
        assertEquals("writes of the containerized JVM's named threads", List.of(), problems);
        assertEquals("threads whose writes arrived named", vtids.keySet(), named.keySet());
    }

    /**
     * System property: how many short-lived containers the lifecycle test starts: 100 by default (about a
     * minute on a busy 2-core machine); 1,000 to run the full check (about nine minutes there, 16 at a time).
     */
    static final String COUNT = "kindling.containers.count";
    /** System property: how many of them run at a time (8 by default). */
    static final String PARALLEL = "kindling.containers.parallel";

    /**
     * Short-lived containers started and removed one after another (a few at a time) during one live run:
     * every one is seen (its marker write arrives with its id), the container table ends as small as it
     * began (the runtime's removals and the idle sweep forget them), and the probe keeps nothing of them:
     * the Java heap it retains (used after a full collection, asked of its JVM with {@code jcmd}) is no
     * larger once all of them are gone than after half of them. Resident memory is printed at the start, after a
     * tenth, half and all of them; it is not asserted, as it follows the heap's growth up to its bound.
     */
    @Test
    public void thousandsOfShortLivedContainersAreSeenAndForgotten() throws Exception {
        // no other test runs containers on the machine meanwhile (see ContainerRunsLock)
        try (ContainerRunsLock turn = ContainerRunsLock.take()) {
            thousandsOfShortLivedContainersAreSeenAndForgottenAlone();
        }
    }

    private void thousandsOfShortLivedContainersAreSeenAndForgottenAlone() throws Exception {
        LiveEnvironment.requireLive();
        OwnDocker docker = OwnDocker.shared();
        int count = Integer.getInteger(COUNT, 100);
        int parallel = Integer.getInteger(PARALLEL, 8);
        Path work = TestEnvironment.workDir("containers/lifecycle");
        Map<String, Expected> expected = new java.util.concurrent.ConcurrentHashMap<>();
        long start = System.nanoTime();
        Map<String, ProbeMemory> memory = new java.util.concurrent.ConcurrentSkipListMap<>();
        String summary;
        long hostThreads;
        // bin/probe's memory settings, so that the heap is bounded as users run it
        List<String> jvm = new ArrayList<>(List.of("-Dkindling.container.idle.seconds=3", "-Xmx80m", "-Xmn30m",
                "-XX:SurvivorRatio=3", "-XX:+UseSerialGC"));
        if (Boolean.getBoolean(NATIVE_MEMORY)) {
            jvm.add("-XX:NativeMemoryTracking=summary");
        }
        try (LiveCaptureIT.LiveProbe probe = probe(work, docker, List.of(), jvm.toArray(String[]::new))) {
            probe.awaitEvents();
            long pid = probe.process.pid();
            memory.put("0 containers", ProbeMemory.of(pid));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallel);
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = "lc" + i;
                runs.add(pool.submit(() -> {
                    // the host's network: no network namespace to make and tear down (the kernel frees those slowly)
                    String id = docker.run("run", "--rm", "-d", "--network", "host", "--log-driver", "none", OwnDocker.IMAGE,
                            // the number comes from the shell: runc's own writes of the command line hold no marker
                            "sh", "-c", "n=0; echo ctr-marker-" + name + "-$n > /tmp/marker");
                    expected.put(name, new Expected(id, "", Map.of()));
                    int n = done.incrementAndGet();
                    if (n == Math.max(1, count / 10) || n == Math.max(1, count / 2)) {
                        memory.put(n + " containers", ProbeMemory.of(pid));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : runs) {
                f.get();
            }
            pool.shutdown();
            for (int i = 0; i < 600 && !docker.run("ps", "-aq").isEmpty(); i++) {
                Thread.sleep(100);
            }
            Thread.sleep(5000); // the last events (the loop may be seconds behind on a loaded machine), the runtime's last removals, the idle sweep (3 s)
            memory.put(count + " containers", ProbeMemory.of(pid));
            hostThreads = hostThreads();
            summary = stop(probe);
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        memory.forEach((at, m) -> System.out.println("CONTAINERS lifecycle memory after " + at + ": " + m));
        System.out.println("CONTAINERS lifecycle summary:\n" + summary);
        Map<String, Integer> seen = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        int right = check(read(work.resolve("events.jsonl")), expected, seen, problems, false);
        Map<String, Long> figures = containerFigures(summary);
        System.out.println("CONTAINERS lifecycle: " + count + " containers, " + parallel + " at a time, in " + seconds + " s; "
                + right + " marker writes with the right container id, containers seen " + seen.size() + "; table " + figures);
        assertEquals("marker writes with a wrong container id", List.of(), problems.subList(0, Math.min(20, problems.size())));
        assertEquals("containers whose marker write arrived", count, seen.size());
        assertEquals("containers the table still knows once every container is removed: " + figures, 0L,
                (long) figures.getOrDefault("containers_known", -1L));
        assertTrue("the runtime described or the probe looked up every container: " + figures,
                figures.getOrDefault("containers_peak", 0L) >= 1);
        // libsinsp's thread table: the machine's threads and those that ended in the last seconds, not the threads of every
        // container, runtime helper and client that came and went (about ten per container: they stayed for 20 minutes)
        Matcher table = Pattern.compile("thread table +(\\d+) threads").matcher(summary);
        assertTrue("the summary tells libsinsp's thread table:\n" + summary, table.find());
        long sinspThreads = Long.parseLong(table.group(1));
        System.out.println("CONTAINERS lifecycle: libsinsp's thread table " + sinspThreads + " threads at the end; the machine's "
                + hostThreads);
        assertTrue("libsinsp's thread table at the end (" + sinspThreads + ") against the machine's threads (" + hostThreads
                + ") after " + count + " containers", sinspThreads <= hostThreads + 400);
        // the heap the probe retains: the second half of the containers leaves nothing behind (a few MiB of slack for
        // what is in flight at any moment: the sinks' queues, the batch being converted)
        ProbeMemory half = memory.get(Math.max(1, count / 2) + " containers");
        ProbeMemory end = memory.get(count + " containers");
        assertTrue("heap retained after " + count + " containers (" + end + ") against after half of them (" + half + ")",
                end.heapRetainedKiB() <= half.heapRetainedKiB() + 4 * 1024);
    }

    /** System property: true to run the lifecycle test's probe with the JVM's native memory tracking (its summary printed). */
    static final String NATIVE_MEMORY = "kindling.containers.nmt";

    /**
     * The probe's memory at one moment: resident (VmRSS), the Java heap in use after a full collection and the heap
     * committed, and, with native memory tracking on, what the JVM itself committed (NMT's total); in KiB.
     */
    record ProbeMemory(long rssKiB, long heapRetainedKiB, long heapCommittedKiB, long jvmCommittedKiB) {
        private static final Pattern GENERATION = Pattern.compile("(?m)^ \\S.*total (\\d+)K, used (\\d+)K");
        private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB");

        /** Asks the probe's JVM for a full collection, then reads its heap, its native memory summary and its RSS. */
        static ProbeMemory of(long pid) throws IOException, InterruptedException {
            jcmd(pid, "GC.run");
            Matcher g = GENERATION.matcher(jcmd(pid, "GC.heap_info"));
            long used = 0;
            long committed = 0;
            while (g.find()) {
                committed += Long.parseLong(g.group(1));
                used += Long.parseLong(g.group(2));
            }
            Matcher nmt = NMT_TOTAL.matcher(jcmd(pid, "VM.native_memory", "summary"));
            return new ProbeMemory(rss(pid), used, committed, nmt.find() ? Long.parseLong(nmt.group(1)) : -1);
        }

        private static String jcmd(long pid, String... command) throws IOException, InterruptedException {
            List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid)));
            line.addAll(List.of(command));
            Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        }

        @Override
        public String toString() {
            return "RSS " + rssKiB / 1024 + " MiB, heap retained " + heapRetainedKiB / 1024 + " MiB of " + heapCommittedKiB / 1024
                    + " MiB committed" + (jvmCommittedKiB < 0 ? "" : ", JVM native memory committed " + jvmCommittedKiB / 1024 + " MiB");
        }
    }

    /** How many threads run on the machine now. */
    static long hostThreads() throws IOException {
        long n = 0;
        try (java.nio.file.DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                try (java.util.stream.Stream<Path> tasks = Files.list(p.resolve("task"))) {
                    n += tasks.count();
                } catch (IOException | java.io.UncheckedIOException e) {
                    // the process ended meanwhile
                }
            }
        }
        return n;
    }

    /** The resident memory of a process, in KiB. */
    static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    /** The container converter's figures from a run's summary ({@code containers  NAME N, ...}). */
    static Map<String, Long> containerFigures(String summary) {
        Map<String, Long> m = new TreeMap<>();
        for (String line : summary.split("\n")) {
            String t = line.trim();
            if (t.startsWith("containers ")) {
                for (String part : t.substring("containers ".length()).split(",")) {
                    String[] kv = part.trim().split(" ");
                    if (kv.length == 2) {
                        m.put(kv[0], Long.parseLong(kv[1]));
                    }
                }
            }
        }
        return m;
    }

    static List<Map<String, Object>> read(Path jsonl) throws IOException {
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            events.add(Json.object(line));
        }
        return events;
    }

    /** Checks every marker write; counts them per container; returns how many were right. */
    @SuppressWarnings("unchecked")
    static int check(List<Map<String, Object>> events, Map<String, Expected> expected, Map<String, Integer> seen,
            List<String> problems, boolean metadata) {
        int right = 0;
        for (Map<String, Object> e : events) {
            Matcher m = MarkerWrites.find(e);
            if (m == null || !expected.containsKey(m.group(1))) {
                continue;
            }
            Expected x = expected.get(m.group(1));
            seen.merge(m.group(1), 1, Integer::sum);
            Map<String, Object> thread = (Map<String, Object>) e.get("thread");
            List<String> wrong = new ArrayList<>();
            if (!x.shortId().equals(thread.get("container_id"))) {
                wrong.add("container_id " + thread.get("container_id") + ", expected " + x.shortId());
            }
            if (metadata) {
                Map<String, Object> c = (Map<String, Object>) e.get("container");
                if (c == null) {
                    wrong.add("no container object");
                } else {
                    expect(wrong, c, "id", x.shortId());
                    expect(wrong, c, "name", x.name());
                    expect(wrong, c, "image", OwnDocker.IMAGE);
                    for (Map.Entry<String, String> p : x.pod().entrySet()) {
                        expect(wrong, c, p.getKey(), p.getValue());
                    }
                }
            }
            if (wrong.isEmpty()) {
                right++;
            } else {
                problems.add(m.group() + " (" + thread + "): " + wrong);
            }
        }
        return right;
    }

    static void expect(List<String> wrong, Map<String, Object> container, String key, String value) {
        if (!value.equals(container.get(key))) {
            wrong.add("container." + key + " " + container.get(key) + ", expected " + value);
        }
    }
}

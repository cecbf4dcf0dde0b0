package io.kindling.probe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifest ({@code deploy/kubernetes/kindling-probe.yaml}) agrees with the image and
 * the command line: its image is the one bin/image makes, its ConfigMap's options are options that
 * {@code probe live} accepts (split into words as the image's entry point splits them), its
 * Prometheus port is the container's metrics port that the readiness check asks, its capabilities
 * are the entry point's, and every volume it mounts exists. No Kubernetes runs here: the manifest is
 * checked as data.
 */
class DeploymentManifestTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path MANIFEST = ROOT.resolve("deploy/kubernetes/kindling-probe.yaml");
    private static final Path ENTRY_POINT = ROOT.resolve("deploy/image/kindling-probe-node");
    private static final Path IMAGE_OPTIONS = ROOT.resolve("deploy/image/probe.args");

    @Test
    void theDaemonSetRunsTheImageThatBinImageMakes() throws Exception {
        Process p = new ProcessBuilder("bash", ROOT.resolve("bin/image").toString(), "--print-tag")
                .redirectErrorStream(true).start();
        String tag = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), tag);
        assertEquals(tag, container().get("image"));
    }

    @Test
    void theConfigMapsOptionsAreOptionsOfProbeLive() throws Exception {
        Map<String, Object> configMap = only("ConfigMap");
        String options = (String) map(configMap, "data").get("probe.args");
        assertNotNull(options, "the ConfigMap has probe.args");
        CommandLine line = CommandLine.parse(liveArguments(options));
        assertEquals(CommandLine.Command.LIVE, line.command());
        SinkSpec prometheus = line.sinks().stream().filter(s -> s.kind() == SinkSpec.Kind.PROMETHEUS).findFirst()
                .orElseThrow(() -> new AssertionError("the ConfigMap starts no prometheus sink: " + options));
        int port = (Integer) prometheus.configuration("node", List.of(), null).get("port");
        assertEquals("0.0.0.0", prometheus.configuration("node", List.of(), null).get("host"),
                "the metrics are served on the node's addresses, for the readiness check and Prometheus");

        Map<String, Object> container = container();
        Map<String, Object> metrics = list(container, "ports").stream().filter(m -> "metrics".equals(m.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no port named metrics"));
        assertEquals(port, metrics.get("containerPort"));
        Map<String, Object> ready = map(map(container, "readinessProbe"), "httpGet");
        assertEquals("metrics", ready.get("port"));
        assertEquals("/metrics", ready.get("path"));
        assertEquals(String.valueOf(port),
                map(map(map(map(only("DaemonSet"), "spec"), "template"), "metadata"), "annotations").get("prometheus.io/port"));
    }

    @Test
    void theImagesOwnOptionsAreOptionsOfProbeLive() throws Exception {
        CommandLine line = CommandLine.parse(liveArguments(Files.readString(IMAGE_OPTIONS)));
        assertEquals(CommandLine.Command.LIVE, line.command());
        assertTrue(line.sinks().stream().anyMatch(s -> s.kind() == SinkSpec.Kind.PROMETHEUS));
    }

    @Test
    void optionsThatProbeLiveRefusesAreFoundHere() {
        assertThrows(UsageException.class, () -> CommandLine.parse(liveArguments("--sink prometheus:0.0.0.0:95000\n")));
        assertThrows(UsageException.class, () -> CommandLine.parse(liveArguments("--subscribe\n")));
        assertThrows(UsageException.class, () -> CommandLine.parse(liveArguments("# a comment\n--rounds 3\n")));
    }

    @Test
    void theCapabilitiesAreTheEntryPointsAndNothingPrivileged() throws Exception {
        Map<String, Object> security = map(container(), "securityContext");
        assertEquals(Boolean.FALSE, security.get("privileged"));
        Map<String, Object> capabilities = map(security, "capabilities");
        assertEquals(List.of("ALL"), capabilities.get("drop"));
        Matcher caps = Pattern.compile("(?m)^caps=([a-z_,]+)$").matcher(Files.readString(ENTRY_POINT));
        assertTrue(caps.find(), "the entry point names its capabilities");
        Set<String> wanted = Arrays.stream(caps.group(1).split(",")).map(c -> c.toUpperCase(Locale.ROOT))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH"), wanted,
                "the four capabilities of the README's live capture section");
        // and the two that let the entry point switch to its user
        wanted.add("SETUID");
        wanted.add("SETGID");
        assertEquals(wanted, new TreeSet<>(stringList(capabilities.get("add"))));
        Map<String, Object> pod = map(map(map(only("DaemonSet"), "spec"), "template"), "spec");
        assertEquals(Boolean.TRUE, pod.get("hostPID"), "the probe sees the node's processes");
    }

    @Test
    void everyMountHasItsVolumeAndTheConfigMapIsWhereTheEntryPointReads() throws Exception {
        Map<String, Object> daemonSet = only("DaemonSet");
        Map<String, Object> template = map(map(daemonSet, "spec"), "template");
        assertEquals(map(map(daemonSet, "spec"), "selector").get("matchLabels"), map(template, "metadata").get("labels"));
        Map<String, Object> pod = map(template, "spec");
        assertEquals(map(only("ServiceAccount"), "metadata").get("name"), pod.get("serviceAccountName"));
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Map<String, Object> volume : list(pod, "volumes")) {
            volumes.put((String) volume.get("name"), volume);
        }
        Map<String, String> mounts = new HashMap<>();
        for (Map<String, Object> mount : list(container(), "volumeMounts")) {
            Map<String, Object> volume = volumes.get(mount.get("name"));
            assertNotNull(volume, "a volume for the mount " + mount);
            mounts.put((String) mount.get("mountPath"), (String) mount.get("name"));
            if (volume.containsKey("hostPath")) {
                assertEquals(Boolean.TRUE, mount.get("readOnly"), "the node's files are mounted read-only: " + mount);
            }
        }
        Matcher file = Pattern.compile("KINDLING_PROBE_ARGS_FILE:-(/[^}]+)/([^/}]+)\\}").matcher(Files.readString(ENTRY_POINT));
        assertTrue(file.find(), "the entry point's options file");
        String configVolume = mounts.get(file.group(1));
        assertNotNull(configVolume, "the ConfigMap is mounted at " + file.group(1));
        assertEquals(map(only("ConfigMap"), "metadata").get("name"), map(volumes.get(configVolume), "configMap").get("name"));
        assertTrue(map(only("ConfigMap"), "data").containsKey(file.group(2)));
        assertEquals(Boolean.TRUE, map(container(), "securityContext").get("readOnlyRootFilesystem"));
        assertTrue(volumes.get(mounts.get("/tmp")).containsKey("emptyDir"),
                "a writable /tmp, where the entry point has JNA extract the native library");
        assertTrue(mounts.containsKey("/sys/kernel/btf"), "the kernel's BTF");
    }

    /** {@code live} and the words of an options file, split as the image's entry point splits them. */
    static String[] liveArguments(String options) {
        List<String> words = new ArrayList<>(List.of("live"));
        for (String line : options.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            words.addAll(Arrays.asList(trimmed.split("[ \t]+")));
        }
        return words.toArray(String[]::new);
    }

    private static List<Map<String, Object>> documents() throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(MANIFEST)) {
            for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(reader)) {
                if (document != null) {
                    documents.add(cast(document));
                }
            }
        }
        for (Map<String, Object> document : documents) {
            if (!"Namespace".equals(document.get("kind"))) {
                assertEquals("kindling-probe", map(document, "metadata").get("namespace"), "the namespace of " + document.get("kind"));
            }
        }
        return documents;
    }

    private static Map<String, Object> only(String kind) throws IOException {
        List<Map<String, Object>> found = documents().stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertEquals(1, found.size(), "one " + kind + " in " + MANIFEST);
        return found.get(0);
    }

    private static Map<String, Object> container() throws IOException {
        List<Map<String, Object>> containers = list(map(map(map(only("DaemonSet"), "spec"), "template"), "spec"), "containers");
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is a mapping in " + parent.keySet());
        return cast(value);
    }

    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof List, key + " is a list");
        List<Map<String, Object>> items = new ArrayList<>();
        for (Object item : (List<?>) value) {
            items.add(cast(item));
        }
        return items;
    }

    private static List<String> stringList(Object value) {
        assertTrue(value instanceof List, value + " is a list");
        return ((List<?>) value).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object value) {
        assertTrue(value instanceof Map, value + " is a mapping");
        return (Map<String, Object>) value;
    }
}

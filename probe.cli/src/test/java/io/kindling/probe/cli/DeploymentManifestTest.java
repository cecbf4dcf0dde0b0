package io.kindling.probe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
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
 * the command line: its image is the one bin/image makes, its ConfigMap is a configuration folder
 * (sink configuration files of subscriptions the probe knows, the image's own default folder), its
 * Prometheus port is the container's metrics port that the readiness check asks, its capabilities
 * are the entry point's, it mounts the container runtimes' state where the container converter reads
 * it, and every volume it mounts exists. No Kubernetes runs here: the manifest is checked as data.
 */
class DeploymentManifestTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path MANIFEST = ROOT.resolve("deploy/kubernetes/kindling-probe.yaml");
    private static final Path ENTRY_POINT = ROOT.resolve("deploy/image/kindling-probe-node");
    private static final Path IMAGE_CONFIG = ROOT.resolve("deploy/image/config");
    private static final Path CONTAINER_CONVERTER =
            ROOT.resolve("probe.converters/container/src/main/java/io/kindling/probe/converter/container/ContainerConverter.java");

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
    void theConfigMapIsAFolderOfSinkConfigurationsWithThePrometheusPort() throws Exception {
        Map<String, String> files = configMapFiles();
        Set<String> factories = Arrays.stream(SinkSpec.Kind.values()).map(SinkSpec.Kind::factoryPid).collect(Collectors.toSet());
        Properties prometheus = null;
        for (Map.Entry<String, String> file : files.entrySet()) {
            assertTrue(file.getKey().endsWith(".cfg"), "a configuration file of the shell's config/ folder: " + file.getKey());
            String pid = file.getKey().substring(0, file.getKey().length() - ".cfg".length());
            String factory = pid.contains("-") ? pid.substring(0, pid.indexOf('-')) : pid;
            assertTrue(factories.contains(factory), "a sink's factory configuration (FACTORY_PID-NAME.cfg): " + file.getKey());
            Properties properties = properties(file.getValue());
            // every subscription is a name (and category) the probe knows: those of its default list here
            String subscriptions = properties.getProperty("kindling.subscriptions");
            assertNotNull(subscriptions, file.getKey() + " subscribes");
            for (String s : subscriptions.split(",")) {
                assertTrue(CommandLine.DEFAULT_SUBSCRIPTIONS.contains(s.strip()), "a known subscription: " + s);
            }
            if (factory.equals(SinkSpec.Kind.PROMETHEUS.factoryPid())) {
                prometheus = properties;
            }
        }
        assertNotNull(prometheus, "the ConfigMap configures a prometheus sink: " + files.keySet());
        int port = Integer.parseInt(prometheus.getProperty("port"));
        assertEquals("0.0.0.0", prometheus.getProperty("host"),
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
    void theImagesOwnConfigurationFolderIsTheConfigMaps() throws Exception {
        Map<String, String> files = configMapFiles();
        Set<String> names = new TreeSet<>();
        try (var entries = Files.list(IMAGE_CONFIG)) {
            entries.forEach(f -> names.add(f.getFileName().toString()));
        }
        assertEquals(files.keySet(), names);
        for (String name : names) {
            assertEquals(properties(files.get(name)), properties(Files.readString(IMAGE_CONFIG.resolve(name))), name);
        }
    }

    @Test
    void theEntryPointRunsProbeLiveOnTheConfigurationFolder() throws Exception {
        Matcher command = Pattern.compile("-jar /opt/kindling-probe/shell.jar live --config \"\\$config\" \"\\$@\"")
                .matcher(Files.readString(ENTRY_POINT));
        assertTrue(command.find(), "the entry point runs live --config on the folder");
        CommandLine line = CommandLine.parse("live", "--config", configFolder());
        assertEquals(CommandLine.Command.LIVE, line.command());
        assertEquals(configFolder(), line.config());
        assertEquals(List.of(), line.sinks(), "the folder's sinks only, no console sink");
        // and what the container's arguments may add
        assertEquals(1, CommandLine.parse("live", "--config", configFolder(), "--sink", "jsonl:/out/e.jsonl").sinks().size());
        assertThrows(UsageException.class, () -> CommandLine.parse("live", "--config"));
        assertThrows(UsageException.class, () -> CommandLine.parse("live", "--config", "a", "--config", "b"));
        assertThrows(UsageException.class, () -> CommandLine.parse("bench-live", "--config", configFolder()));
    }

    @Test
    void theCapabilitiesAreTheEntryPointsAndNothingPrivileged() throws Exception {
        Map<String, Object> security = map(container(), "securityContext");
        assertEquals(Boolean.FALSE, security.get("privileged"));
        Map<String, Object> capabilities = map(security, "capabilities");
        assertEquals(List.of("ALL"), capabilities.get("drop"));
        Matcher caps = Pattern.compile("(?m)^ *caps=([a-z_,]+)$").matcher(Files.readString(ENTRY_POINT));
        List<Set<String>> lists = new ArrayList<>();
        while (caps.find()) {
            lists.add(Arrays.stream(caps.group(1).split(",")).map(c -> c.toUpperCase(Locale.ROOT))
                    .collect(Collectors.toCollection(TreeSet::new)));
        }
        // the four, or (where a runtime such as Docker 20.10 knows neither BPF nor PERFMON) SYS_ADMIN for both
        assertEquals(List.of(Set.of("SYS_ADMIN", "SYS_PTRACE", "DAC_READ_SEARCH"), Set.of("BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH")),
                lists, "the capabilities of the README's live capture section");
        Set<String> wanted = new TreeSet<>(lists.get(1));
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
        String configVolume = mounts.get(configFolder());
        assertNotNull(configVolume, "the ConfigMap is mounted at " + configFolder());
        assertEquals(map(only("ConfigMap"), "metadata").get("name"), map(volumes.get(configVolume), "configMap").get("name"));
        // the container converter's default bundle roots: containerd's and CRI-O's state, read-only
        Matcher roots = Pattern.compile("\"(/run/containerd,[^\"]+)\"").matcher(Files.readString(CONTAINER_CONVERTER));
        assertTrue(roots.find(), "the container converter's default bundle.roots");
        for (String root : roots.group(1).split(",")) {
            String volume = mounts.get(root);
            assertNotNull(volume, "the runtime state " + root + " is mounted where the container converter reads it");
            assertEquals(root, map(volumes.get(volume), "hostPath").get("path"));
        }
        assertEquals(Boolean.TRUE, map(container(), "securityContext").get("readOnlyRootFilesystem"));
        assertTrue(volumes.get(mounts.get("/tmp")).containsKey("emptyDir"),
                "a writable /tmp, where the entry point has JNA extract the native library");
        assertTrue(mounts.containsKey("/sys/kernel/btf"), "the kernel's BTF");
    }

    /** The entry point's configuration folder, where the ConfigMap is mounted. */
    private static String configFolder() throws IOException {
        Matcher folder = Pattern.compile("KINDLING_PROBE_CONFIG:-(/[^}]+)\\}").matcher(Files.readString(ENTRY_POINT));
        assertTrue(folder.find(), "the entry point's configuration folder");
        return folder.group(1);
    }

    /** The ConfigMap's files: name and content. */
    private static Map<String, String> configMapFiles() throws IOException {
        Map<String, String> files = new TreeMap<>();
        map(only("ConfigMap"), "data").forEach((name, content) -> files.put(name, String.valueOf(content)));
        assertTrue(!files.isEmpty(), "the ConfigMap has files");
        return files;
    }

    /** A .cfg file's properties, as Java reads properties files (FileInstall's format for .cfg). */
    private static Properties properties(String content) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(content));
        return properties;
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

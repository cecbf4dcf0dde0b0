package io.kindling.probe.converter.container;

import io.kindling.probe.api.ContainerContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Describes the containers of runtimes that have no Docker Engine API (containerd, and with it Kubernetes
 * nodes whose kubelet talks CRI to containerd; CRI-O) from the OCI bundle the runtime wrote for each running
 * container: its {@code config.json}, whose annotations name the pod and the container. containerd's CRI plugin
 * writes {@code io.kubernetes.cri.sandbox-name}, {@code -namespace}, {@code -uid}, {@code io.kubernetes.cri.container-name}
 * and {@code io.kubernetes.cri.image-name}; CRI-O writes the kubelet's own {@code io.kubernetes.pod.name},
 * {@code io.kubernetes.pod.namespace}, {@code io.kubernetes.pod.uid}, {@code io.kubernetes.container.name} and
 * {@code io.kubernetes.cri-o.ImageName}. The bundle is a file on the host that the runtime keeps while the container
 * runs, so no protocol is spoken (containerd's own API is gRPC, CRI-O's is gRPC too) and nothing waits on a daemon.
 * <p>
 * Where the bundles are: containerd keeps them in {@code STATE/io.containerd.runtime.v2.task/NAMESPACE/ID/} ({@code STATE}
 * is {@code /run/containerd} by default, another folder in k3s or with {@code --state}), CRI-O and Podman in
 * {@code RUNROOT/overlay-containers/ID/userdata/} ({@code /run/containers/storage} by default). Besides the folders it
 * is given, the reader finds containerd's namespaces from its running shims: a {@code containerd-shim-*} process
 * works in the bundle of the container (or, with one shim per pod, of the pod's sandbox) it serves, so the folder above
 * its working folder holds the bundles of its namespace, whatever the state folder.
 */
final class OciBundles {
    /** The most a bundle's config.json may hold (they are a few KiB). */
    static final long MAX_CONFIG = 4 << 20;
    static final String CONTAINERD_TASKS = "io.containerd.runtime.v2.task";

    private final List<Path> roots;
    private final Path proc;

    /** {@code roots}: containerd state folders and CRI-O/Podman run roots; {@code proc}: where /proc is. */
    OciBundles(List<Path> roots, Path proc) {
        this.roots = List.copyOf(roots);
        this.proc = proc;
    }

    /** The container whose id starts with {@code shortId}, from its bundle; null when no bundle of it is found. */
    ContainerContext describe(String shortId) {
        Path config = find(shortId);
        if (config == null) {
            return null;
        }
        Map<?, ?> annotations;
        try (InputStream in = Files.newInputStream(config)) {
            byte[] text = in.readNBytes((int) MAX_CONFIG + 1);
            if (text.length > MAX_CONFIG) {
                return null;
            }
            Object json = JsonText.parse(new String(text, StandardCharsets.UTF_8));
            annotations = json instanceof Map<?, ?> m && m.get("annotations") instanceof Map<?, ?> a ? a : Map.of();
        } catch (IOException | IllegalArgumentException e) {
            return null; // the container ended meanwhile, or a file that is not a bundle's
        }
        return describe(shortId, annotations);
    }

    /** A container's context from its bundle's annotations, containerd's CRI names or CRI-O's (the kubelet's). */
    static ContainerContext describe(String shortId, Map<?, ?> annotations) {
        String container = first(annotations, "io.kubernetes.container.name", "io.kubernetes.cri.container-name");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("io.kubernetes.pod.name", first(annotations, "io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name"));
        labels.put("io.kubernetes.pod.namespace", first(annotations, "io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"));
        labels.put("io.kubernetes.pod.uid", first(annotations, "io.kubernetes.pod.uid", "io.kubernetes.cri.sandbox-uid"));
        labels.put("io.kubernetes.container.name", container);
        String name = container.isEmpty() ? first(annotations, "nerdctl/name", "io.kubernetes.cri-o.Name") : container;
        String image = first(annotations, "io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName", "nerdctl/image");
        return ContainerConverter.describe(shortId, name, image, labels);
    }

    private static String first(Map<?, ?> annotations, String... keys) {
        for (String key : keys) {
            if (annotations.get(key) instanceof String s && !s.isEmpty()) {
                return s;
            }
        }
        return "";
    }

    /** The config.json of the container whose 64-character id starts with {@code shortId}, or null. */
    Path find(String shortId) {
        if (!isShortId(shortId)) {
            return null;
        }
        for (Path folder : folders()) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, shortId + "*")) {
                for (Path entry : entries) {
                    String id = entry.getFileName().toString();
                    if (id.length() != 64) {
                        continue;
                    }
                    for (Path config : new Path[] {entry.resolve("config.json"), entry.resolve("userdata").resolve("config.json")}) {
                        if (Files.isRegularFile(config)) {
                            return config;
                        }
                    }
                }
            } catch (IOException | SecurityException e) {
                // a folder that went away or that is not one: the next
            }
        }
        return null;
    }

    /** The folders that hold bundles: containerd's namespaces and CRI-O's/Podman's containers, configured or found from shims. */
    Set<Path> folders() {
        Set<Path> folders = new LinkedHashSet<>();
        for (Path root : roots) {
            Path tasks = root.resolve(CONTAINERD_TASKS);
            if (Files.isDirectory(tasks)) {
                try (DirectoryStream<Path> namespaces = Files.newDirectoryStream(tasks, Files::isDirectory)) {
                    namespaces.forEach(folders::add);
                } catch (IOException | SecurityException e) {
                    // gone meanwhile
                }
            }
            Path crio = root.resolve("overlay-containers");
            if (Files.isDirectory(crio)) {
                folders.add(crio);
            }
        }
        folders.addAll(shimNamespaces());
        return folders;
    }

    /** The namespace folders of the bundles that running containerd shims work in. */
    Set<Path> shimNamespaces() {
        Set<Path> folders = new LinkedHashSet<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
            for (Path pid : pids) {
                try {
                    String comm = Files.readString(pid.resolve("comm"), StandardCharsets.UTF_8).trim();
                    if (!comm.startsWith("containerd-shim")) {
                        continue;
                    }
                    Path bundle = Files.readSymbolicLink(pid.resolve("cwd"));
                    Path namespace = bundle.getParent();
                    if (namespace != null && namespace.getParent() != null
                            && namespace.getParent().getFileName().toString().equals(CONTAINERD_TASKS)) {
                        folders.add(namespace);
                    }
                } catch (IOException | SecurityException | UnsupportedOperationException e) {
                    // a process that ended meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: the configured folders alone
        }
        return folders;
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    static boolean isShortId(String id) {
        if (id.length() != 12) {
            return false;
        }
        for (int i = 0; i < 12; i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}

package io.kindling.probe.converter.container;

import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.ConverterService;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Puts the container of each event's thread on the event ({@link KindlingEvent#container()}): its
 * short id, and what its runtime says of it, the name, the image and, for a Kubernetes pod's
 * container, the pod's name, namespace and uid and the container's name in the pod (the kubelet's
 * labels {@code io.kubernetes.pod.name}, {@code io.kubernetes.pod.namespace}, {@code io.kubernetes.pod.uid},
 * {@code io.kubernetes.container.name}). Host processes' events get none. Events that other converters emit
 * (the request converter's {@code net_request}) get it too, from the container id of their thread.
 * <p>
 * The runtime is the Docker Engine API on its unix socket (Podman's service answers the same API): its
 * running containers are read at the start and its event stream is followed, so that a new container
 * is described as it is created, before its first process runs, and forgotten when it is removed; a
 * container that the stream did not describe is looked up once, on its first event. The event loop
 * never waits: a thread of this bundle talks to the runtime, and until it has answered (or when there
 * is no runtime, or it is slow) the events carry the container's id alone, and the statistics count it.
 * <p>
 * A container the Docker API does not know (containerd's, a Kubernetes node's with containerd or CRI-O) is
 * described from the OCI bundle its runtime keeps for it ({@link OciBundles}), looked up the same way, once, on
 * its first event; it is forgotten when no event names it for {@code idle.seconds}.
 */
@Component(service = Converter.class, configurationPid = ContainerConverter.PID)
@ConverterService(name = "container")
@Designate(ocd = ContainerConverter.Config.class)
public final class ContainerConverter implements Converter {
    static final String PID = "io.kindling.probe.converter.container";

    /** Framework property prefix: each configuration attribute can also be given as kindling.container.NAME. */
    static final String PROPERTY_PREFIX = "kindling.container.";

    @ObjectClassDefinition(name = "Kindling container metadata")
    public @interface Config {
        @AttributeDefinition(name = "Docker API socket", required = false,
                description = "The unix socket of the Docker Engine API (or Podman's service). Empty: the framework property"
                        + " kindling.container.docker.socket, else DOCKER_HOST when it names a unix socket, else the first of"
                        + " /var/run/docker.sock, /run/docker.sock, /run/podman/podman.sock that exists")
        String docker_socket() default "";

        @AttributeDefinition(name = "OCI bundle folders", required = false,
                description = "Where runtimes without a Docker API keep the OCI bundles of running containers, comma-separated:"
                        + " containerd's state folders (bundles in io.containerd.runtime.v2.task/NAMESPACE/ID) and CRI-O's or Podman's"
                        + " run roots (overlay-containers/ID/userdata). A bundle's config.json annotations name the pod and the"
                        + " container. containerd's namespaces are also found from its running shims, whatever its state folder."
                        + " Empty: the framework property kindling.container.bundle.roots, else /run/containerd,/run/containers/storage")
        String bundle_roots() default "";

        @AttributeDefinition(name = "Containers kept at most", min = "16",
                description = "Containers known at once; beyond it new ones get their id alone, and are counted (table_full)")
        int max_containers() default 4096;

        @AttributeDefinition(name = "Idle seconds", min = "1",
                description = "A container that no event named for this long is forgotten (the runtime is asked again if it"
                        + " comes back); a container the runtime removes is forgotten at once")
        int idle_seconds() default 60;

        @AttributeDefinition(name = "Runtime timeout (ms)", min = "10",
                description = "The longest the runtime may take to answer a call; a slow runtime costs only missing metadata")
        int timeout_millis() default 2000;
    }

    private final ContainerTable table;
    private final RuntimeClient runtime;

    @Activate
    public ContainerConverter(Config config, BundleContext context) {
        this(config, context::getProperty);
    }

    /** {@code properties}: the framework properties (kindling.container.NAME), which override the configuration. */
    ContainerConverter(Config config, java.util.function.UnaryOperator<String> properties) {
        int max = intProperty(properties, "max_containers", config.max_containers());
        int idle = intProperty(properties, "idle_seconds", config.idle_seconds());
        int timeout = intProperty(properties, "timeout_millis", config.timeout_millis());
        table = new ContainerTable(Math.max(16, max), Math.max(1, idle));
        Path socket = socket(config.docker_socket(), properties.apply(PROPERTY_PREFIX + "docker.socket"), System.getenv("DOCKER_HOST"));
        OciBundles bundles = new OciBundles(bundleRoots(config.bundle_roots(), properties.apply(PROPERTY_PREFIX + "bundle.roots")),
                Path.of("/proc"));
        runtime = new RuntimeClient(socket, Math.max(10, timeout), table, bundles);
        runtime.start();
    }

    private static int intProperty(java.util.function.UnaryOperator<String> properties, String name, int configured) {
        String v = properties.apply(PROPERTY_PREFIX + name.replace('_', '.'));
        if (v == null || v.isBlank()) {
            return configured;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return configured;
        }
    }

    /** The socket to ask: the configured one, the framework property's, DOCKER_HOST's, or the first usual one that exists. */
    static Path socket(String configured, String property, String dockerHost) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        if (property != null && !property.isBlank()) {
            return Path.of(property.trim());
        }
        if (dockerHost != null && dockerHost.startsWith("unix://") && dockerHost.length() > "unix://".length()) {
            return Path.of(dockerHost.substring("unix://".length()));
        }
        for (String usual : new String[] {"/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock"}) {
            if (Files.exists(Path.of(usual))) {
                return Path.of(usual);
            }
        }
        return Path.of("/var/run/docker.sock");
    }

    /** The OCI bundle folders: the configured ones, the framework property's, or containerd's and CRI-O's defaults. */
    static List<Path> bundleRoots(String configured, String property) {
        String list = configured != null && !configured.isBlank() ? configured
                : property != null && !property.isBlank() ? property : "/run/containerd,/run/containers/storage";
        List<Path> roots = new ArrayList<>();
        for (String p : list.split(",")) {
            if (!p.isBlank()) {
                roots.add(Path.of(p.trim()));
            }
        }
        return roots;
    }

    @Deactivate
    void deactivate() {
        runtime.stop();
        table.clear();
    }

    @Override
    public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
        String id = raw.containerId();
        if (!id.isEmpty()) {
            event.setContainer(table.context(id));
        }
    }

    /** An event a converter emitted (a {@code net_request}) gets its thread's container as a converted event does. */
    @Override
    public void enrich(KindlingEvent emitted) {
        if (emitted.container() == null && emitted.thread() != null && emitted.thread().containerId() != null
                && !emitted.thread().containerId().isEmpty()) {
            emitted.setContainer(table.context(emitted.thread().containerId()));
        }
    }

    @Override
    public Map<String, Long> statistics() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("containers_known", (long) table.size());
        m.put("containers_peak", table.peak.get());
        m.put("runtime_connected", runtime.connected() ? 1L : 0L);
        m.put("runtime_events", runtime.events.get());
        m.put("lookups", runtime.lookups.get());
        m.put("lookups_answered", runtime.answered.get());
        m.put("lookups_from_bundles", runtime.fromBundles.get());
        m.put("lookups_not_found", runtime.notFound.get());
        m.put("lookups_failed", runtime.failed.get());
        m.put("lookups_refused", runtime.refused.get());
        m.put("forgotten_removed", table.forgottenRemoved.get());
        m.put("forgotten_idle", table.forgottenIdle.get());
        m.put("table_full", table.tableFull.get());
        return m;
    }

    /** A container's context from the runtime's description: labels name the pod. */
    static ContainerContext describe(String shortId, String name, String image, Map<?, ?> labels) {
        return new ContainerContext(shortId, name.startsWith("/") ? name.substring(1) : name, image,
                label(labels, "io.kubernetes.pod.name"), label(labels, "io.kubernetes.pod.namespace"),
                label(labels, "io.kubernetes.pod.uid"), label(labels, "io.kubernetes.container.name"));
    }

    private static String label(Map<?, ?> labels, String key) {
        Object v = labels == null ? null : labels.get(key);
        return v instanceof String s ? s : "";
    }
}

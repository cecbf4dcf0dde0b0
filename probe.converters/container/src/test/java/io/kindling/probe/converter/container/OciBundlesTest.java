package io.kindling.probe.converter.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.kindling.probe.api.ContainerContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers described from their runtime's OCI bundles, laid out as containerd and CRI-O lay them out: found by
 * the short id, named from containerd's CRI annotations or CRI-O's (the kubelet's); what is not a bundle is not read.
 */
class OciBundlesTest {
    static final String CONTAINERD_ID = "b77fa67da5ec6d89d29d2b3d969c2810919ebe40999f80eba61be6b4104e0938";
    static final String CRIO_ID = "4c1e0f7d2a9b8c3e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a";

    @TempDir
    Path dir;

    static void write(Path config, String annotations) throws IOException {
        Files.createDirectories(config.getParent());
        Files.writeString(config, "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},\"annotations\":{" + annotations + "}}");
    }

    @Test
    void containerdsCriAnnotationsNameThePodAndTheContainer() throws IOException {
        Path state = dir.resolve("containerd");
        write(state.resolve("io.containerd.runtime.v2.task/k8s.io/" + CONTAINERD_ID + "/config.json"),
                "\"io.kubernetes.cri.container-type\":\"container\",\"io.kubernetes.cri.container-name\":\"web\","
                        + "\"io.kubernetes.cri.sandbox-name\":\"web-0\",\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
                        + "\"io.kubernetes.cri.sandbox-uid\":\"7d3e1f0a\",\"io.kubernetes.cri.image-name\":\"registry.local/shop/web:1.0\"");
        OciBundles bundles = new OciBundles(List.of(state), dir.resolve("no-proc"));
        assertEquals(new ContainerContext("b77fa67da5ec", "web", "registry.local/shop/web:1.0", "web-0", "shop", "7d3e1f0a", "web"),
                bundles.describe("b77fa67da5ec"));
    }

    @Test
    void crioAnnotationsNameThePodAndTheContainer() throws IOException {
        Path runroot = dir.resolve("storage");
        write(runroot.resolve("overlay-containers/" + CRIO_ID + "/userdata/config.json"),
                "\"io.kubernetes.pod.name\":\"api-7f9\",\"io.kubernetes.pod.namespace\":\"prod\",\"io.kubernetes.pod.uid\":\"u-2\","
                        + "\"io.kubernetes.container.name\":\"api\",\"io.kubernetes.cri-o.ImageName\":\"quay.io/acme/api:2\"");
        OciBundles bundles = new OciBundles(List.of(dir.resolve("containerd"), runroot), dir.resolve("no-proc"));
        assertEquals(new ContainerContext("4c1e0f7d2a9b", "api", "quay.io/acme/api:2", "api-7f9", "prod", "u-2", "api"),
                bundles.describe("4c1e0f7d2a9b"));
    }

    @Test
    void aContainerWithoutKubernetesAnnotationsHasItsIdAlone() throws IOException {
        Path state = dir.resolve("containerd");
        write(state.resolve("io.containerd.runtime.v2.task/default/" + CONTAINERD_ID + "/config.json"), "");
        assertEquals(ContainerContext.ofId("b77fa67da5ec"), new OciBundles(List.of(state), dir).describe("b77fa67da5ec"));
    }

    @Test
    void whatIsNotABundleOfTheContainerIsNotRead() throws IOException {
        Path state = dir.resolve("containerd");
        Path tasks = state.resolve("io.containerd.runtime.v2.task/k8s.io");
        // a folder whose name is not a 64-character id, a bundle without config.json, a malformed config.json
        write(tasks.resolve("b77fa67da5ec-not-an-id/config.json"), "\"io.kubernetes.cri.container-name\":\"x\"");
        Files.createDirectories(tasks.resolve(CONTAINERD_ID));
        Files.createDirectories(tasks.resolve(CRIO_ID));
        Files.writeString(tasks.resolve(CRIO_ID).resolve("config.json"), "{\"annotations\": {\"io.kubernetes.cri.container-name\": ");
        OciBundles bundles = new OciBundles(List.of(state, dir.resolve("absent")), dir.resolve("no-proc"));
        assertNull(bundles.describe("b77fa67da5ec"));
        assertNull(bundles.describe("4c1e0f7d2a9b"));
        assertNull(bundles.describe("../../etc/pa"));
        assertNull(bundles.describe("B77FA67DA5EC"));
    }

    @Test
    void containerdsNamespacesAreFoundFromItsRunningShims() throws IOException {
        Path state = dir.resolve("elsewhere");
        Path bundle = state.resolve("io.containerd.runtime.v2.task/k8s.io/" + CONTAINERD_ID);
        write(bundle.resolve("config.json"), "\"io.kubernetes.cri.container-name\":\"web\"");
        // a /proc with a shim working in that bundle and another process
        Path proc = dir.resolve("proc");
        Files.createDirectories(proc.resolve("4242"));
        Files.writeString(proc.resolve("4242/comm"), "containerd-shim\n");
        Files.createSymbolicLink(proc.resolve("4242/cwd"), bundle);
        Files.createDirectories(proc.resolve("4243"));
        Files.writeString(proc.resolve("4243/comm"), "bash\n");
        Files.createSymbolicLink(proc.resolve("4243/cwd"), dir);
        OciBundles bundles = new OciBundles(List.of(), proc);
        assertEquals(new ContainerContext("b77fa67da5ec", "web", "", "", "", "", "web"), bundles.describe("b77fa67da5ec"));
    }
}

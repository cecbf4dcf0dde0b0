package io.kindling.probe.inspector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The shim's own reading of a thread's container from its cgroup path (where libsinsp names none): every
 * layout that Docker, containerd's CRI, CRI-O, Podman and the kubelet give on cgroup v1 and v2 yields the
 * container's short id; paths of no container (the host, a pod's own cgroup, CRI-O's conmon, an id cut
 * short) yield none.
 */
class ContainerIdTest {

    static final String ID = "fbcb2e782ee6eb82b686d4622895aab1d2d4836bfd4b2f1c0530bd4af3b5f4a7";
    static final String SHORT = ID.substring(0, 12);
    static final String POD = "3f1c2a9e-5b7d-4e21-9a43-0c8e6d2b7f10";
    static final String POD_ = POD.replace('-', '_');

    private static String id(String path) {
        String lib = System.getProperty("jna.library.path", "");
        assumeTrue(!lib.isEmpty() && Files.exists(Path.of(lib, "libkindlingprobe.so")),
                "the native shim is not built under jna.library.path=" + lib);
        byte[] out = new byte[80];
        int n = Shim.kp_container_id_of_cgroup(path, out, out.length);
        assertEquals(n, Shim.message(out).length(), "length returned for " + path);
        return Shim.message(out);
    }

    @Test
    void everyRuntimeLayoutNamesTheContainer() {
        String[] layouts = {
            "/docker/" + ID,                                                           // Docker, cgroupfs, v1 and v2
            "/system.slice/docker-" + ID + ".scope",                                   // Docker, systemd driver
            "/kubepods/burstable/pod" + POD + "/" + ID,                               // kubelet, cgroupfs (any runtime)
            "/kubepods/besteffort/pod" + POD + "/" + ID,
            "/kubepods/pod" + POD + "/" + ID,                                          // guaranteed QoS
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + POD_ + ".slice/cri-containerd-" + ID + ".scope",
            "/kubepods-besteffort-pod" + POD_ + ".slice:cri-containerd:" + ID,          // containerd's CRI, systemd path as given
            "/kubepods.slice/kubepods-pod" + POD_ + ".slice/crio-" + ID + ".scope",     // CRI-O, systemd driver
            "/kubepods/burstable/pod" + POD + "/crio-" + ID,                          // CRI-O, cgroupfs driver
            "/machine.slice/libpod-" + ID + ".scope",                                  // Podman, v1 and v2
            "/machine.slice/libpod-" + ID + ".scope/container",                        // Podman, v2 with its inner cgroup
            "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope", // rootless Podman
            "/system.slice/containerd.service/default/" + ID,                          // nerdctl/ctr under containerd
        };
        for (String path : layouts) {
            assertEquals(SHORT, id(path), path);
        }
    }

    @Test
    void pathsOfNoContainerNameNone() {
        String[] none = {
            "/",
            "",
            "/user.slice/user-0.slice/session-1.scope",
            "/system.slice/docker.service",
            "/system.slice/containerd.service",
            "/kubepods/burstable/pod" + POD,                                           // a pod's own cgroup
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + POD_ + ".slice",
            "/machine.slice/crio-conmon-" + ID + ".scope",                             // CRI-O's monitor, outside the container
            "/docker/" + ID.substring(0, 63),                                          // cut short (the eBPF programs' old limit)
            "/docker/" + ID + "0",                                                     // too long
            "/docker/" + ID.toUpperCase(),                                             // not an id a runtime writes
            "/process_api/f4d2cc97dc76eb729160399ffa2996e9",
        };
        for (String path : none) {
            assertEquals("", id(path), path);
        }
    }
}

package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.itests.support.ContainerRunsLock;
import io.kindling.probe.itests.support.OwnDocker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The node image under {@code docker run} with the DaemonSet's settings as Docker's flags (built into the
 * test's own Docker daemon as {@link NodeImageIT} builds it, and checked as it checks it). A Docker daemon
 * that does not know {@code CAP_BPF} and {@code CAP_PERFMON} (Docker 20.10, Debian 12's) refuses
 * {@code --cap-add BPF}: there the test grants {@code CAP_SYS_ADMIN} in their place, which the kernel takes for
 * both, and the probe keeps it instead of them.
 */
public class NodeImageDockerIT {

    @Test
    public void theImageUnderDockerRunWithTheDaemonSetsFlagsSeesContainersAndTheHost() throws Exception {
        try (ContainerRunsLock turn = ContainerRunsLock.take()) {
            NodeImageIT.Prepared prepared = NodeImageIT.prepare("node-image-docker");
            OwnDocker docker = prepared.docker();
            OwnDocker.Result bpf = docker.docker(List.of("run", "--rm", "--network", "none", "--cap-drop", "ALL", "--cap-add", "BPF",
                    "--cap-add", "PERFMON", OwnDocker.IMAGE, "true"), 60);
            Map<String, String> instead = Map.of();
            if (bpf.status() != 0) {
                assertTrue("Docker refuses the capabilities as unknown, nothing else:\n" + bpf.out(), bpf.out().contains("unknown capability"));
                instead = Map.of("BPF", "SYS_ADMIN", "PERFMON", "SYS_ADMIN");
                System.out.println("NODE IMAGE DOCKER this Docker does not know CAP_BPF and CAP_PERFMON (" + bpf.out().trim()
                        + "): CAP_SYS_ADMIN in their place");
            }
            NodeImageIT.runAndCheck(docker, prepared.work(), new UnderDocker(docker, prepared.image(), prepared.work(), instead));
        }
    }

    /** The probe's container under the test's Docker daemon. */
    static final class UnderDocker implements NodeImageIT.ProbeContainer {
        private static final String NAME = "kp-node-probe-docker";
        private final OwnDocker docker;
        private final String image;
        private final Path work;
        private final Map<String, String> instead;

        UnderDocker(OwnDocker docker, String image, Path work, Map<String, String> instead) {
            this.docker = docker;
            this.image = image;
            this.work = work;
            this.instead = instead;
        }

        @Override
        public String start(Path config, Path out) throws Exception {
            Map<String, Object> pod = NodeImageIT.podSpec();
            List<String> run = new ArrayList<>(List.of("run", "-d", "--name", NAME));
            run.addAll(NodeImageIT.runFlags(true, pod, NodeImageIT.only(pod, "containers"), Map.of("config", config), work, instead));
            // for the container converter's names: the test daemon's socket where the entry point looks for it
            run.addAll(List.of("--mount", "type=bind,src=" + docker.socket() + ",dst=/var/run/docker.sock",
                    "--mount", "type=bind,src=" + out + ",dst=/out", image));
            docker.run(run.toArray(String[]::new));
            return "docker " + String.join(" ", run);
        }

        @Override
        public boolean grantsBpf() {
            return instead.isEmpty();
        }

        @Override
        public String log() throws Exception {
            return docker.docker(List.of("logs", NAME), 60).out();
        }

        @Override
        public boolean running() throws Exception {
            return docker.run("inspect", "-f", "{{.State.Running}}", NAME).trim().equals("true");
        }

        @Override
        public long pid() throws Exception {
            return Long.parseLong(docker.run("inspect", "-f", "{{.State.Pid}}", NAME).trim());
        }

        @Override
        public int stop() throws Exception {
            // SIGTERM, and SIGKILL after 40 s
            docker.run("stop", "-t", "40", NAME);
            return Integer.parseInt(docker.run("inspect", "-f", "{{.State.ExitCode}}", NAME).trim());
        }

        @Override
        public void restart() throws Exception {
            docker.run("start", NAME);
        }

        @Override
        public void remove() throws Exception {
            OwnDocker.Result r = docker.docker(List.of("rm", "-f", NAME), 60);
            assertEquals("docker rm -f:\n" + r.out(), 0, r.status());
        }
    }
}

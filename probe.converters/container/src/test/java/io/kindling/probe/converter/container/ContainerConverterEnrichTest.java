package io.kindling.probe.converter.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.ContainerContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Events that other converters emit (a net_request) get their thread's container as converted events do. */
class ContainerConverterEnrichTest {

    @TempDir
    Path dir;

    private ContainerConverter converter() {
        Map<String, Object> values = Map.of("docker_socket", dir.resolve("no-docker.sock").toString(), "bundle_roots",
                dir.toString(), "max_containers", 16, "idle_seconds", 60, "timeout_millis", 100);
        ContainerConverter.Config config = (ContainerConverter.Config) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerConverter.Config.class}, (proxy, method, args) -> values.get(method.getName()));
        return new ContainerConverter(config, name -> null);
    }

    private static KindlingEvent emitted(String containerId) {
        return new KindlingEvent("net_request", Category.NET, Source.SYSCALL_EXIT, 1, 1,
                new ThreadContext(10, 10, 0, 0, "wget", containerId));
    }

    @Test
    void anEmittedEventOfAContainersThreadGetsItsContainer() {
        ContainerConverter c = converter();
        try {
            KindlingEvent e = emitted("aaaaaaaaaaaa");
            c.enrich(e);
            assertEquals(ContainerContext.ofId("aaaaaaaaaaaa"), e.container(), "known by its id until the runtime answers");
            assertEquals(1L, c.statistics().get("containers_known"), "the container is now looked up, as on a converted event");

            KindlingEvent host = emitted("");
            c.enrich(host);
            assertNull(host.container(), "a host process has none");

            KindlingEvent described = emitted("aaaaaaaaaaaa");
            ContainerContext already = new ContainerContext("aaaaaaaaaaaa", "web", "busybox", "", "", "", "");
            described.setContainer(already);
            c.enrich(described);
            assertSame(already, described.container(), "a container already on the event stays");
        } finally {
            c.deactivate();
        }
    }
}

package io.kindling.probe.converter.container;

import io.kindling.probe.api.spi.Converter;
import java.lang.annotation.Annotation;
import java.nio.file.Path;

/**
 * The container converter outside a framework, for the benchmarks: its default configuration, with a Docker socket
 * and bundle folders that do not exist (no runtime answers: what every event costs, not what a runtime takes).
 */
public final class ContainerConverterAccess {

    private ContainerConverterAccess() {}

    public static Converter withoutRuntime(Path absent) {
        ContainerConverter.Config config = new ContainerConverter.Config() {
            @Override
            public String docker_socket() {
                return absent.resolve("docker.sock").toString();
            }

            @Override
            public String bundle_roots() {
                return absent.toString();
            }

            @Override
            public int max_containers() {
                return 4096;
            }

            @Override
            public int idle_seconds() {
                return 60;
            }

            @Override
            public int timeout_millis() {
                return 2000;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return ContainerConverter.Config.class;
            }
        };
        return new ContainerConverter(config, name -> null);
    }

    /** Stops the converter's threads. */
    public static void stop(Converter converter) {
        ((ContainerConverter) converter).deactivate();
    }
}

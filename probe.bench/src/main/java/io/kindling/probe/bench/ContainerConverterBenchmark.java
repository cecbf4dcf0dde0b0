package io.kindling.probe.bench;

import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.converter.container.ContainerConverterAccess;
import io.kindling.probe.core.EngineAccess;
import io.kindling.probe.core.ProbeEngine;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the container converter costs: the engine's whole path of {@link EngineBenchmark#conversion}, to one sink of
 * everything, without and with the container converter, in one run; the ratio of the two scores is its cost. The
 * converter runs for every event (it reads the event's container id, and for a containerized thread joins its
 * container's context from the table); no runtime answers here, so the figure is the event loop's, not a runtime's.
 * The benchmark capture's processes are the host's. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the
 * allocation per event, which the machine's load does not move.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ContainerConverterBenchmark {

    /** The file and socket converters and the container converter. */
    public static class WithContainers extends EngineBenchmark.OneSinkAll {
        Converter container;

        @Override
        void moreConverters(ProbeEngine engine) {
            container = ContainerConverterAccess.withoutRuntime(Path.of("/nonexistent/kindling-bench"));
            EngineAccess.addConverter(engine, container, Map.of(Converter.NAME, "container"));
        }

        @TearDown(Level.Trial)
        public void stopConverter() {
            ContainerConverterAccess.stop(container);
        }
    }

    /** Without the container converter. */
    @Benchmark
    @OperationsPerInvocation(Captures.EVENTS)
    public void withoutContainerConverter(EngineBenchmark.OneSinkAll state) throws Exception {
        state.replay();
    }

    /** With it. */
    @Benchmark
    @OperationsPerInvocation(Captures.EVENTS)
    public void withContainerConverter(WithContainers state) throws Exception {
        state.replay();
    }
}

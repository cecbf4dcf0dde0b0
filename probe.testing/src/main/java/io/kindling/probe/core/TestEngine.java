package io.kindling.probe.core;

import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import java.util.Map;

/**
 * The real engine outside OSGi, for tests of other modules: registers converters and sinks the way
 * Declarative Services does (this class sits in the engine's package to reach its bind methods).
 */
public final class TestEngine implements AutoCloseable {
    public final ProbeEngine engine;

    public TestEngine(io.kindling.probe.api.source.Inspector inspector) {
        this.engine = new ProbeEngine(inspector, config(Map.of("sink_queue_size", 1 << 20, "sink_stall_millis", 30_000L)));
    }

    /** The engine's configuration: these values, the defaults for the rest (whatever the Config holds today). */
    private static ProbeEngine.Config config(Map<String, Object> values) {
        return (ProbeEngine.Config) java.lang.reflect.Proxy.newProxyInstance(ProbeEngine.Config.class.getClassLoader(),
                new Class<?>[] {ProbeEngine.Config.class}, (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return ProbeEngine.Config.class;
                    }
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    public TestEngine add(Converter converter, Map<String, Object> properties) {
        engine.addConverter(converter, properties);
        return this;
    }

    public TestEngine remove(Converter converter) {
        engine.removeConverter(converter);
        return this;
    }

    public TestEngine add(Sink sink, Map<String, Object> properties) {
        engine.addSink(sink, properties);
        return this;
    }

    public TestEngine remove(Sink sink) {
        engine.removeSink(sink);
        return this;
    }

    /** Replays a capture to the end; fails when the run failed. */
    public Run replay(java.nio.file.Path capture) throws Exception {
        Run run = engine.open(capture);
        if (!run.await(120, java.util.concurrent.TimeUnit.SECONDS)) {
            run.stop();
            throw new AssertionError("replay of " + capture + " did not end within 120 s");
        }
        if (run.failure() != null) {
            throw new AssertionError("replay of " + capture + " failed: " + run.failure());
        }
        return run;
    }

    @Override
    public void close() {
        engine.deactivate();
    }
}

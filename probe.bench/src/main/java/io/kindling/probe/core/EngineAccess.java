package io.kindling.probe.core;

import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import java.util.Map;

/**
 * The engine's whiteboard bind methods, which Declarative Services calls inside a framework, for the
 * benchmarks that run it outside one. In the engine's package because the bind methods are package-private.
 */
public final class EngineAccess {

    private EngineAccess() {}

    public static void addSink(ProbeEngine engine, Sink sink, Map<String, Object> properties) {
        engine.addSink(sink, properties);
    }

    public static void removeSink(ProbeEngine engine, Sink sink) {
        engine.removeSink(sink);
    }

    public static void addConverter(ProbeEngine engine, Converter converter, Map<String, Object> properties) {
        engine.addConverter(converter, properties);
    }
}

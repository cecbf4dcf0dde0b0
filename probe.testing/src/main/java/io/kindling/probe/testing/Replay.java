package io.kindling.probe.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.source.Inspector;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.ProbeEngine;
import io.kindling.probe.inspector.NativeInspector;
import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real probe outside a framework: the native inspector, the core's engine, the file and socket
 * converters, and the sinks a test adds. The engine's whiteboard methods are package-private (DS calls
 * them), so they are called here by reflection, with the service properties DS would pass.
 *
 * <p>The sink modules' tests use it with their test-scope dependencies on probe.core, probe.inspector
 * and the two converters. The converters are passed in: their modules test with probe.testing, which
 * therefore cannot depend on them.
 */
public final class Replay implements AutoCloseable {

    private final ProbeEngine engine;

    private Replay(ProbeEngine engine) {
        this.engine = engine;
    }

    /**
     * The engine with the file converter and the socket converter (instances of
     * {@code io.kindling.probe.converter.file.FileConverter} and
     * {@code io.kindling.probe.converter.socket.SocketConverter}), registered with their component
     * properties. Skips the test unless the native shim was built.
     */
    public static Replay start(Converter fileConverter, Converter socketConverter) throws Exception {
        String dir = System.getProperty("jna.library.path", "");
        assumeTrue(!dir.isEmpty() && Files.exists(Path.of(dir, "libkindlingprobe.so")),
                "the native shim is not built (libkindlingprobe.so under jna.library.path=" + dir + "): run mvn install first");
        Inspector inspector = new NativeInspector(2 << 20, 8192);
        ProbeEngine engine = new ProbeEngine(inspector, config(ProbeEngine.Config.class, Map.of()));
        Replay replay = new Replay(engine);
        replay.call("addConverter", new Class<?>[] {Converter.class, Map.class}, fileConverter,
                Map.of(Converter.FD_TYPES, "file", Converter.NAME, "file"));
        replay.call("addConverter", new Class<?>[] {Converter.class, Map.class}, socketConverter,
                Map.of(Converter.FD_TYPES, new String[] {"ipv4", "ipv6", "ipv4_server", "ipv6_server", "unix"},
                        Converter.NAME, "socket"));
        return replay;
    }

    /** A real capture under ../shared/captures; skips the test when it is absent. */
    public static Path capture(String name) {
        Path p = Path.of(System.getProperty("kindling.captures", "../../../shared/captures"), name);
        assumeTrue(Files.isReadable(p), "capture " + p + " is absent");
        return p;
    }

    public ProbeControl control() {
        return engine;
    }

    public void add(Sink sink, String name, int queueSize) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(Sink.SUBSCRIPTIONS, new String[] {"all"});
        props.put(Sink.NAME, name);
        props.put(Sink.QUEUE_SIZE, queueSize);
        props.put("component.name", name);
        call("addSink", new Class<?>[] {Sink.class, Map.class}, sink, props);
    }

    public void remove(Sink sink) throws Exception {
        call("removeSink", new Class<?>[] {Sink.class}, sink);
    }

    /** Replays the capture to the end, every sink's queue delivered. */
    public Statistics run(Path capture) throws Exception {
        Run run = engine.open(capture);
        if (!run.await(120, TimeUnit.SECONDS)) {
            run.stop();
            throw new AssertionError("replay of " + capture + " did not end in 120 s");
        }
        if (run.failure() != null) {
            throw new AssertionError("replay of " + capture + " failed: " + run.failure());
        }
        return run.statistics();
    }

    @Override
    public void close() throws Exception {
        Method deactivate = ProbeEngine.class.getDeclaredMethod("deactivate");
        deactivate.setAccessible(true);
        deactivate.invoke(engine);
    }

    private void call(String method, Class<?>[] types, Object... args) throws Exception {
        Method m = ProbeEngine.class.getDeclaredMethod(method, types);
        m.setAccessible(true);
        try {
            m.invoke(engine, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    /** A component property type instance: the given values, else the annotation's defaults. */
    public static <A extends Annotation> A config(Class<A> type, Map<String, Object> values) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (m.getName().equals("annotationType")) {
                return type;
            }
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> type.getSimpleName() + values;
                };
            }
            Object v = values.get(m.getName());
            return v != null ? v : m.getDefaultValue();
        });
        return type.cast(proxy);
    }
}

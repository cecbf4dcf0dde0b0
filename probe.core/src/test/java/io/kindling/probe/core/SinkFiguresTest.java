package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.FakeInspector.Ev;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sink's own figures (what it lost after it took it, for example) appear beside the engine's figures for it, in
 * the sink's order; a sink that fails to tell them, or tells nulls, costs nothing but those figures.
 */
class SinkFiguresTest {
    private final FakeInspector inspector = new FakeInspector(
            List.of(List.of(new Ev(FakeInspector.READ_X, Category.FILE, true, 1), new Ev(FakeInspector.READ_X, Category.FILE, true, 2))));
    private final ProbeEngine engine = new ProbeEngine(inspector, FakeInspector.config(1024, 2000));

    @AfterEach
    void close() {
        engine.deactivate();
    }

    /** Counts what it took and, as if its backend were down, drops every second one after taking it. */
    static final class Losing implements Sink {
        final AtomicLong taken = new AtomicLong();

        @Override
        public void deliver(KindlingEvent event) {
            taken.incrementAndGet();
        }

        @Override
        public Map<String, Long> statistics() {
            Map<String, Long> f = new LinkedHashMap<>();
            f.put("sent", taken.get() - taken.get() / 2);
            f.put("dropped.backend_down", taken.get() / 2);
            f.put("unknown", null);
            return f;
        }
    }

    @Test
    void aSinksOwnFiguresAreShownWithTheEnginesAndItsErrorsStayItsOwn() throws Exception {
        Losing losing = new Losing();
        Sink failing = new Sink() {
            @Override
            public void deliver(KindlingEvent event) {}

            @Override
            public Map<String, Long> statistics() {
                throw new IllegalStateException("no figures today");
            }
        };
        engine.addSink(losing, Map.of(Sink.NAME, "losing", Sink.SUBSCRIPTIONS, "syscall_exit-read", "service.id", 1L));
        engine.addSink(failing, Map.of(Sink.NAME, "failing", Sink.SUBSCRIPTIONS, "syscall_exit-read", "service.id", 2L));
        Run run = engine.open(Path.of("fake"));
        run.await(10, TimeUnit.SECONDS);
        Map<String, SinkStatistics> sinks = engine.statistics().sinks().stream()
                .collect(Collectors.toMap(SinkStatistics::name, Function.identity()));
        SinkStatistics l = sinks.get("losing");
        assertEquals(2, l.delivered());
        assertEquals(List.of("sent", "dropped.backend_down"), List.copyOf(l.figures().keySet()), "in the sink's order, nulls left out");
        assertEquals(Map.of("sent", 1L, "dropped.backend_down", 1L), l.figures());
        SinkStatistics f = sinks.get("failing");
        assertEquals(2, f.delivered(), "a sink that cannot tell its figures still gets its events");
        assertEquals(Map.of(), f.figures());
    }
}

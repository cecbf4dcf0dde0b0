package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.ConverterNeedsTest.Collecting;
import io.kindling.probe.core.FakeInspector.Ev;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each sink has a name of its own, and a new name or queue size in its properties is taken. */
class SinkNamesTest {
    private static final ProbeEngine.Config CONFIG = FakeInspector.config(1024, 2000);

    private final FakeInspector inspector = new FakeInspector(
            List.of(List.of(new Ev(FakeInspector.READ_X, Category.FILE, true, 1), new Ev(FakeInspector.READ_X, Category.FILE, true, 2))));
    private final ProbeEngine engine = new ProbeEngine(inspector, CONFIG);

    @AfterEach
    void close() {
        engine.deactivate();
    }

    private Set<String> names() {
        return engine.routing().sinks().keySet();
    }

    @Test
    void aRenamedSinkIsRoutedUnderItsNewName() throws Exception {
        Collecting sink = new Collecting();
        engine.addSink(sink, Map.of(Sink.NAME, "before", Sink.SUBSCRIPTIONS, "syscall_exit-read", "service.id", 7L));
        engine.updatedSink(sink, Map.of(Sink.NAME, "after", Sink.SUBSCRIPTIONS, "syscall_exit-read", "service.id", 7L));
        assertEquals(Set.of("after"), names());
        engine.updatedSink(sink, Map.of(Sink.NAME, "after", Sink.SUBSCRIPTIONS, "syscall_exit-read", "service.id", 7L,
                Sink.QUEUE_SIZE, 16));
        Run run = engine.open(Path.of("fake"));
        run.await(10, TimeUnit.SECONDS);
        assertEquals(List.of("read", "read"), sink.names, "one sink, one channel: each event once");
        assertEquals(List.of("after"), engine.statistics().sinks().stream().map(s -> s.name()).toList());
    }

    @Test
    void twoSinksOfOneNameGetNamesOfTheirOwn() {
        engine.addSink(new Collecting(), Map.of("component.name", "io.kindling.probe.sink.jsonl", "service.id", 11L,
                Sink.SUBSCRIPTIONS, "syscall_exit-read"));
        engine.addSink(new Collecting(), Map.of("component.name", "io.kindling.probe.sink.jsonl", "service.id", 12L,
                Sink.SUBSCRIPTIONS, "syscall_exit-read"));
        assertEquals(Set.of("io.kindling.probe.sink.jsonl", "io.kindling.probe.sink.jsonl-12"), names());
    }
}

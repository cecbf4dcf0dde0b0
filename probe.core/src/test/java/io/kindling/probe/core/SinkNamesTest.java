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

    /**
     * A sink renamed while a run reads (its configuration written on a thread of its own, as Configuration
     * Admin does) receives every event once and in order: those routed before the change through its old
     * channel, the rest through the new one, which delivers once the old one is done.
     */
    @Test
    void aSinkRenamedDuringARunLosesNoEvent() throws Exception {
        List<Ev> reads = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            reads.add(new Ev(FakeInspector.READ_X, Category.FILE, true, i + 1));
        }
        FakeInspector three = new FakeInspector(List.of(reads, reads, reads));
        ProbeEngine probe = new ProbeEngine(three, CONFIG);
        Collecting sink = new Collecting();
        probe.addSink(sink, Map.of(Sink.NAME, "before", Sink.SUBSCRIPTIONS, "syscall_exit-read", "service.id", 7L));
        Thread[] renamer = new Thread[1];
        three.onEvent = i -> {
            if (i == 14) { // in the middle of the second batch
                renamer[0] = new Thread(() -> probe.updatedSink(sink,
                        Map.of(Sink.NAME, "after", Sink.SUBSCRIPTIONS, "syscall_exit-read", "service.id", 7L, Sink.QUEUE_SIZE, 16)));
                renamer[0].start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!probe.routing().sinks().containsKey("after") && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the routing took the change: the run goes on with it
                }
            }
        };
        try {
            Run run = probe.open(Path.of("fake"));
            assertEquals(true, run.await(10, TimeUnit.SECONDS));
            renamer[0].join(10_000);
            assertEquals(30, sink.names.size(), "every event once, whether routed before or after the change");
            assertEquals(Set.of("after"), probe.routing().sinks().keySet());
        } finally {
            probe.deactivate();
        }
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

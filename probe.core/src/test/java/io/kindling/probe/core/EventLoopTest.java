package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.source.EventNames;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.GeneratedCapture.Recorder;
import io.kindling.probe.core.GeneratedCapture.Seen;
import io.kindling.probe.inspector.NativeInspector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event loop on the real inspector and a generated capture: each sink receives exactly, and in
 * order, the events it selects of what the inspector reads with nothing filtered out; an active
 * converter observes exactly the raw events it needs, with or without thread, and what it emits
 * reaches the sinks that subscribe to it.
 */
class EventLoopTest {
    private static NativeInspector inspector;
    private static Path capture;
    /** What the inspector reads of the capture with nothing filtered out. */
    private static List<Seen> all;

    private Routing routing;

    @BeforeAll
    static void capture(@TempDir Path dir) throws Exception {
        inspector = GeneratedCapture.inspector();
        capture = GeneratedCapture.generate(dir, 30_000);
        all = GeneratedCapture.readAll(inspector, capture);
        assertTrue(all.size() > 20_000, "events read: " + all.size());
    }

    @AfterEach
    void closeChannels() {
        if (routing != null) {
            routing.channels().forEach(SinkChannel::close);
        }
    }

    /** Runs the loop over the whole capture on this thread, as a replay does. */
    private RunFigures replay() throws Exception {
        RunFigures figures = new RunFigures();
        figures.reset(routing.channels(), routing.converters());
        EngineRun run = new EngineRun(() -> null);
        EventLoop loop = new EventLoop(inspector.openFile(capture), run, routing, figures, 30_000, 30_000);
        loop.run();
        assertTrue(run.isDone());
        assertNull(run.failure());
        assertTrue(loop.reached(routing.tables().version()), "the loop has ended: every version is behind it");
        return figures;
    }

    private static Map<String, Object> sink(String name, String... subscriptions) {
        return Map.of(Sink.NAME, name, Sink.SUBSCRIPTIONS, subscriptions);
    }

    @Test
    void eachSinkReceivesExactlyWhatItSelectsInOrder() throws Exception {
        List<Seen> threaded = all.stream().filter(Seen::thread).toList();
        String frequent = threaded.stream().collect(Collectors.groupingBy(Seen::name, Collectors.counting())).entrySet().stream()
                .max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        routing = new Routing(inspector.eventTable(), () -> 1024);
        Recorder everything = new Recorder();
        Recorder one = new Recorder();
        routing.putSink(everything, sink("everything", "all"));
        routing.putSink(one, sink("one", frequent));

        RunFigures figures = replay();

        assertEquals(delivered(threaded), everything.received, "all: every event with a thread, in order");
        assertEquals(delivered(threaded.stream().filter(s -> s.name().equals(frequent)).toList()), one.received, frequent);
        assertEquals(threaded.size(), figures.converted.get(), "no converter needs threadless events: none is read");
        assertEquals(0, figures.emitted.get());
    }

    /** The events as sinks receive them: under the name the Kindling probe delivers (libsinsp's). */
    private static List<Seen> delivered(List<Seen> read) {
        return read.stream().map(s -> new Seen(EventNames.delivered(s.name()), s.timestamp(), s.tid(), s.thread())).toList();
    }

    /** Observes the switches it needs and emits an x_switch for each. */
    static final class SwitchCounter implements Converter {
        final List<Seen> observed = new ArrayList<>();
        int ends;

        @Override
        public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {}

        @Override
        public void observe(RawEvent raw, EventEmitter emitter) {
            observed.add(Seen.of(raw));
            emitter.emit(new KindlingEvent("x_switch", Category.OTHER, Source.TRACEPOINT, raw.timestamp(), 0, null));
        }

        @Override
        public void end(EventEmitter emitter) {
            ends++;
        }
    }

    @Test
    void anActiveConverterObservesWhatItNeedsAndItsEventsReachTheSinks() throws Exception {
        String switchName = "tracepoint-sched_switch";
        List<Seen> switches = all.stream().filter(s -> s.name().equals(switchName)).toList();
        assertTrue(switches.stream().anyMatch(s -> !s.thread()) && switches.stream().anyMatch(Seen::thread),
                "the capture has switches with and without thread");
        routing = new Routing(inspector.eventTable(), () -> 1024);
        SwitchCounter converter = new SwitchCounter();
        routing.putConverter(converter, Map.of(Converter.NAME, "switches", Converter.EMITS, "x_switch",
                Converter.NEEDS, switchName, Converter.NEEDS_THREADLESS, switchName));
        Recorder sink = new Recorder();
        routing.putSink(sink, sink("x", "x_switch"));

        RunFigures figures = replay();

        assertEquals(switches, converter.observed, "every switch, with or without thread, in order");
        assertEquals(1, converter.ends, "told once that the run ended");
        assertEquals(switches.size(), figures.emitted.get());
        assertEquals(switches.stream().map(Seen::timestamp).toList(), sink.received.stream().map(Seen::timestamp).toList());
        assertTrue(sink.received.stream().allMatch(s -> s.name().equals("x_switch")), "the sink selects nothing else");
        assertEquals(switches.size(), ConverterEntry.sorted(routing.converters())[0].observed.get());
    }

    @Test
    void withoutSubscriptionsNothingIsConvertedOrDelivered() throws Exception {
        routing = new Routing(inspector.eventTable(), () -> 1024);
        Recorder idle = new Recorder();
        routing.putSink(idle, Map.of(Sink.NAME, "idle"));
        RunFigures figures = replay();
        assertEquals(List.of(), idle.received);
        assertEquals(0, figures.converted.get(), "the inspector's filter is empty: every event is dropped before it is copied");
        assertTrue(figures.statistics(List.of()).read() >= all.size(), "yet every event was read");
    }
}

package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.core.ConverterNeedsTest.Collecting;
import io.kindling.probe.core.FakeInspector.Ev;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a run that fails, and a converter that fails, leave behind: a capture corrupt midway still ends
 * the converters (what they hold is delivered and they start the next run empty), and a converter that
 * throws an {@link Error} costs only its own part: the run goes on, the sinks get every event, and the
 * failure is counted in the converter's figures.
 */
class RunFailuresTest {

    private static final ProbeEngine.Config CONFIG = FakeInspector.config(4096, 10_000);

    private ProbeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.deactivate();
        }
    }

    /** Holds one event per read it observes and emits them all at the end of the run, as a converter holding closes does. */
    static class Holding implements Converter {
        final List<Long> held = new ArrayList<>();
        int ends;

        @Override
        public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {}

        @Override
        public void observe(RawEvent raw, EventEmitter emitter) {
            held.add(raw.tid());
        }

        @Override
        public void end(EventEmitter emitter) {
            ends++;
            for (long tid : held) {
                emitter.emit(new KindlingEvent("x_held", Category.OTHER, Source.UNKNOWN, tid, 0, null));
            }
            held.clear();
        }
    }

    private static List<Ev> reads(int n, long firstTid) {
        List<Ev> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(new Ev(FakeInspector.READ_X, Category.FILE, true, firstTid + i));
        }
        return batch;
    }

    private static Run await(Run run) throws InterruptedException {
        assertTrue(run.await(20, TimeUnit.SECONDS), "run ended");
        return run;
    }

    @Test
    void aRunWhoseReadingFailsStillEndsItsConverters() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(reads(3, 1), reads(3, 10), reads(3, 20)));
        inspector.failAt = 1; // the second nextBatch() throws
        engine = new ProbeEngine(inspector, CONFIG);
        Holding holding = new Holding();
        engine.addConverter(holding, Map.of(Converter.NAME, "holding", Converter.EMITS, "x_held", Converter.NEEDS,
                "syscall_exit-read"));
        Collecting sink = new Collecting();
        engine.addSink(sink, Map.of(io.kindling.probe.api.spi.Sink.NAME, "held", io.kindling.probe.api.spi.Sink.SUBSCRIPTIONS,
                "x_held"));

        Run failed = await(engine.open(Path.of("corrupt")));

        assertNotNull(failed.failure(), "the run reports that the capture could not be read");
        assertEquals(1, holding.ends, "told that the run ended, although it failed");
        assertEquals(List.of("x_held", "x_held", "x_held"), sink.names, "what it held when the reading failed is delivered");
        assertEquals(List.of(), holding.held, "nothing carries into the next run");

        inspector.failAt = -1;
        Run next = await(engine.open(Path.of("next")));
        assertNull(next.failure());
        assertEquals(2, holding.ends);
    }

    /** Throws an AssertionError on the first event it converts. */
    static final class Broken implements Converter {
        int calls;

        @Override
        public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
            if (calls++ == 0) {
                throw new AssertionError("a bug in the converter");
            }
        }
    }

    @Test
    void anErrorInAConverterCostsOnlyItsPart() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(reads(400, 1), reads(600, 1000)));
        engine = new ProbeEngine(inspector, CONFIG);
        Broken broken = new Broken();
        engine.addConverter(broken, Map.of(Converter.NAME, "broken", Converter.EVENTS, "syscall_exit-read"));
        Collecting a = new Collecting();
        Collecting b = new Collecting();
        engine.addSink(a, Map.of(io.kindling.probe.api.spi.Sink.NAME, "a", io.kindling.probe.api.spi.Sink.SUBSCRIPTIONS,
                "syscall_exit-read"));
        engine.addSink(b, Map.of(io.kindling.probe.api.spi.Sink.NAME, "b", io.kindling.probe.api.spi.Sink.SUBSCRIPTIONS, "all"));

        Run run = await(engine.open(Path.of("fake")));

        assertNull(run.failure(), "a converter's bug does not end the run: " + run.failure());
        assertEquals(1000, a.names.size(), "every event reaches the sinks");
        assertEquals(1000, b.names.size());
        assertEquals(1000, broken.calls, "the converter is still called on the next events");
        ConverterStatistics stats = engine.converterStatistics().stream().filter(s -> s.name().equals("broken")).findFirst()
                .orElseThrow();
        assertEquals(1L, stats.figures().get("failures"), "the failure is counted: " + stats);
    }

    /** Takes every event, but its flush throws an AssertionError. */
    static final class FlushFails extends Collecting {
        @Override
        public void flush() {
            throw new AssertionError("a bug in the sink's flush");
        }
    }

    @Test
    void anErrorInASinksFlushDoesNotStopItsDelivery() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(reads(100, 1)));
        engine = new ProbeEngine(inspector, CONFIG);
        FlushFails sink = new FlushFails();
        engine.addSink(sink, Map.of(io.kindling.probe.api.spi.Sink.NAME, "flush-fails",
                io.kindling.probe.api.spi.Sink.SUBSCRIPTIONS, "syscall_exit-read"));

        await(engine.open(Path.of("first")));
        assertEquals(100, sink.names.size());
        await(engine.open(Path.of("second")));
        assertEquals(200, sink.names.size(), "the sink still receives events in the next replay");
    }
}

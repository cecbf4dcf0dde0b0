package io.kindling.probe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.control.ConverterStatistics;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.EventEmitter;
import io.kindling.probe.api.spi.RawEvent;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.core.FakeInspector.Ev;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The converters' needs and emitted names: catalog, filter push-down, routing, removal. */
class ConverterNeedsTest {

    private static final ProbeEngine.Config CONFIG = FakeInspector.config(1024, 2000);

    /** Emits one x_event per observed event, and records what it saw. */
    static final class Emitting implements Converter {
        final List<String> observed = Collections.synchronizedList(new ArrayList<>());
        int ends;

        @Override
        public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
            throw new AssertionError("a converter without events or fd types is not called through convert");
        }

        @Override
        public void observe(RawEvent raw, EventEmitter emitter) {
            observed.add(raw.name() + (raw.hasThread() ? "" : "/nothread"));
            emitter.emit(new KindlingEvent("x_event", Category.SCHEDULER, Source.UNKNOWN, raw.timestamp(), 0, null));
        }

        @Override
        public void end(EventEmitter emitter) {
            ends++;
        }
    }

    static class Collecting implements Sink {
        final List<String> names = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void deliver(KindlingEvent event) {
            names.add(event.name());
        }
    }

    private static final Map<String, Object> EMITTING_PROPS = Map.of(
            Converter.NAME, "x",
            Converter.EMITS, "x_event",
            Converter.NEEDS, "tracepoint-sched_switch",
            Converter.NEEDS_THREADLESS, "tracepoint-sched_switch");

    private static List<Ev> batch() {
        return List.of(new Ev(FakeInspector.READ_X, Category.FILE, true, 1), new Ev(FakeInspector.SWITCH, Category.OTHER, true, 2),
                new Ev(FakeInspector.SWITCH, Category.OTHER, false, 0));
    }

    private static void await(Run run) throws InterruptedException {
        assertTrue(run.await(10, TimeUnit.SECONDS), "run ended");
        assertEquals(null, run.failure());
    }

    @Test
    void inactiveConverterAddsNothing() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(batch()));
        ProbeEngine engine = new ProbeEngine(inspector, CONFIG);
        Emitting x = new Emitting();
        engine.addConverter(x, EMITTING_PROPS);
        Collecting reads = new Collecting();
        engine.addSink(reads, Map.of(Sink.SUBSCRIPTIONS, "syscall_exit-read"));
        assertTrue(engine.catalog().entries().contains(new EventCatalog.Entry("x_event", true, "converter x")));

        await(engine.open(Path.of("fake")));
        FakeInspector.Filters f = inspector.seen.get(0);
        assertTrue(f.filter().allows(FakeInspector.READ_X, Category.FILE.code()));
        assertFalse(f.filter().allows(FakeInspector.SWITCH, Category.OTHER.code()), "inactive: its needs are not read");
        assertTrue(f.threadless().isEmpty());
        assertEquals(List.of(), x.observed);
        assertEquals(List.of("read"), reads.names, "delivered with libsinsp's name");
        ConverterStatistics s = engine.converterStatistics().get(0);
        assertFalse(s.active());
        engine.deactivate();
    }

    @Test
    void activeConverterGetsItsNeedsAndNothingReachesOtherSinks() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(batch(), batch()));
        ProbeEngine engine = new ProbeEngine(inspector, CONFIG);
        Collecting reads = new Collecting();
        Collecting xs = new Collecting();
        // the sink subscribes before the converter that emits its name is there
        engine.addSink(xs, Map.of(Sink.SUBSCRIPTIONS, "x_event"));
        engine.addSink(reads, Map.of(Sink.SUBSCRIPTIONS, "syscall_exit-read"));
        Emitting x = new Emitting();
        engine.addConverter(x, EMITTING_PROPS);

        await(engine.open(Path.of("fake")));
        FakeInspector.Filters f = inspector.seen.get(0);
        assertTrue(f.filter().allows(FakeInspector.SWITCH, Category.OTHER.code()));
        assertTrue(f.threadless().allows(FakeInspector.SWITCH, Category.OTHER.code()));
        assertFalse(f.threadless().allows(FakeInspector.READ_X, Category.FILE.code()));
        assertEquals(List.of("tracepoint-sched_switch", "tracepoint-sched_switch/nothread",
                "tracepoint-sched_switch", "tracepoint-sched_switch/nothread"), x.observed);
        assertEquals(List.of("read", "read"), reads.names, "needs reach no sink");
        assertEquals(List.of("x_event", "x_event", "x_event", "x_event"), xs.names);
        assertEquals(2, engine.copiedWithoutThread());
        ConverterStatistics s = engine.converterStatistics().get(0);
        assertTrue(s.active());
        assertEquals(4, s.observed());
        assertEquals(4, s.emitted());
        engine.deactivate();
    }

    /** Adds an attribute to what it converts and to what other converters emit, as the container converter adds the container. */
    static final class Enriching implements Converter {
        int enriched;

        @Override
        public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
            event.addAttribute(io.kindling.probe.api.Attribute.ofString("x_part", "converted"));
        }

        @Override
        public void enrich(KindlingEvent emitted) {
            enriched++;
            emitted.addAttribute(io.kindling.probe.api.Attribute.ofString("x_part", "enriched"));
        }
    }

    @Test
    void convertersEnrichTheEventsOtherConvertersEmitBeforeSinksGetThem() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(batch()));
        ProbeEngine engine = new ProbeEngine(inspector, CONFIG);
        List<Object> parts = Collections.synchronizedList(new ArrayList<>());
        engine.addSink(event -> parts.add(event.name() + "=" + event.attribute("x_part").value()),
                Map.of(Sink.SUBSCRIPTIONS, "x_event,syscall_exit-read"));
        Enriching enriching = new Enriching();
        engine.addConverter(enriching, Map.of(Converter.NAME, "enriching"));
        engine.addConverter(new Emitting(), EMITTING_PROPS);

        await(engine.open(Path.of("fake")));
        assertEquals(List.of("read=converted", "x_event=enriched", "x_event=enriched"), parts);
        assertEquals(2, enriching.enriched, "once per emitted event");
        engine.deactivate();
    }

    @Test
    void removedConverterLeavesTheFilterAtTheNextBatch() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(batch(), batch(), batch()));
        ProbeEngine engine = new ProbeEngine(inspector, CONFIG);
        Emitting x = new Emitting();
        engine.addConverter(x, EMITTING_PROPS);
        Collecting xs = new Collecting();
        engine.addSink(xs, Map.of(Sink.SUBSCRIPTIONS, "x_event"));
        inspector.beforeBatch = i -> {
            if (i == 1) {
                engine.removeConverter(x); // while the run reads batch 1, from another thread in real life
            }
        };

        await(engine.open(Path.of("fake")));
        assertTrue(inspector.seen.get(0).filter().allows(FakeInspector.SWITCH, Category.OTHER.code()));
        assertTrue(inspector.seen.get(1).filter().allows(FakeInspector.SWITCH, Category.OTHER.code()),
                "batch 1 was asked for with the filter in force before the removal");
        assertFalse(inspector.seen.get(2).filter().allows(FakeInspector.SWITCH, Category.OTHER.code()));
        assertTrue(inspector.seen.get(2).threadless().isEmpty());
        assertEquals(2, x.observed.size(), "batch 0 only: batch 1 was routed without it");
        assertFalse(engine.catalog().entries().stream().anyMatch(e -> e.name().equals("x_event")));
        engine.deactivate();
    }

    @Test
    void converterEndsWhenItsLastSubscriberGoes() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(batch(), batch()));
        ProbeEngine engine = new ProbeEngine(inspector, CONFIG);
        Emitting x = new Emitting();
        engine.addConverter(x, EMITTING_PROPS);
        Collecting xs = new Collecting();
        engine.addSink(xs, Map.of(Sink.SUBSCRIPTIONS, "x_event"));
        inspector.beforeBatch = i -> {
            if (i == 1) {
                engine.removeSink(xs);
            }
        };
        await(engine.open(Path.of("fake")));
        assertEquals(2, x.ends, "once when it became inactive, once at the end of the run");
        assertEquals(2, x.observed.size());
        engine.deactivate();
    }

    /** Holds what it observes until its end, and tells whether it was called after its removal returned. */
    static final class Removable extends RunFailuresTest.Holding {
        volatile boolean removed;
        volatile int callsAfterRemoval;
        volatile int observedCount;

        @Override
        public void observe(RawEvent raw, EventEmitter emitter) {
            if (removed) {
                callsAfterRemoval++;
            }
            observedCount++;
            super.observe(raw, emitter);
        }
    }

    @Test
    void aRemovedConverterIsEndedAndNoLongerCalledOnceItsRemovalReturns() throws Exception {
        FakeInspector inspector = new FakeInspector(List.of(batch(), batch(), batch(), batch(), batch()));
        ProbeEngine engine = new ProbeEngine(inspector, CONFIG);
        Removable x = new Removable();
        engine.addConverter(x, Map.of(Converter.NAME, "x", Converter.EMITS, "x_held", Converter.NEEDS, "syscall_exit-read"));
        Collecting held = new Collecting();
        engine.addSink(held, Map.of(Sink.SUBSCRIPTIONS, "x_held"));
        Thread[] remover = new Thread[1];
        inspector.beforeBatch = i -> {
            if (i == 1) { // the bundle goes away while the run reads: DS unbinds it on a thread of its own
                remover[0] = new Thread(() -> {
                    engine.removeConverter(x);
                    x.removed = true;
                });
                remover[0].start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (engine.catalog().entries().stream().anyMatch(e -> e.name().equals("x_held"))
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // until the routing lets it go: the run goes on without it
                }
                engine.routing(); // waits for the routing's lock: the tables without it are out
            }
        };

        await(engine.open(Path.of("fake")));
        remover[0].join(10_000);
        assertTrue(x.removed);
        assertEquals(0, x.callsAfterRemoval, "not called once its removal returned");
        assertEquals(1, x.ends, "its end was called, once");
        assertEquals(List.of(), x.held, "it let go of what it held");
        assertTrue(x.observedCount > 0);
        assertEquals(x.observedCount, held.names.size(), "what it held reached the sink subscribed to it");
        engine.deactivate();
    }

    /** Withholds the reads it converts while active, and emits an x_mark for each read it observes, as the apm converter does with markers. */
    static final class Marking implements Converter {
        volatile boolean active;
        int withheld;
        int emitted;

        @Override
        public void activeChanged(boolean active) {
            this.active = active;
        }

        @Override
        public void convert(RawEvent raw, KindlingEvent event, EventEmitter emitter) {
            if (active) {
                event.withhold();
                withheld++;
            }
        }

        @Override
        public void observe(RawEvent raw, EventEmitter emitter) {
            emitted++;
            emitter.emit(new KindlingEvent("x_mark", Category.OTHER, Source.UNKNOWN, raw.timestamp(), 0, null));
        }
    }

    @Test
    void aSubscriptionMidBatchChangesAConvertersStateAtTheNextBatch() throws Exception {
        List<Ev> reads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            reads.add(new Ev(FakeInspector.READ_X, Category.FILE, true, i + 1));
        }
        FakeInspector inspector = new FakeInspector(List.of(reads, reads, reads));
        ProbeEngine engine = new ProbeEngine(inspector, CONFIG);
        Marking m = new Marking();
        engine.addConverter(m, Map.of(Converter.NAME, "marks", Converter.EVENTS, "syscall_exit-read", Converter.EMITS, "x_mark",
                Converter.NEEDS, "syscall_exit-read"));
        Collecting plain = new Collecting();
        engine.addSink(plain, Map.of(Sink.NAME, "reads", Sink.SUBSCRIPTIONS, "syscall_exit-read"));
        Collecting marks = new Collecting();
        inspector.onEvent = i -> {
            if (i == 14) { // in the middle of the second batch, a sink subscribes to what the converter emits
                engine.addSink(marks, Map.of(Sink.NAME, "marks", Sink.SUBSCRIPTIONS, "x_mark"));
            }
        };

        await(engine.open(Path.of("fake")));
        assertEquals(m.withheld, m.emitted, "each read withheld became an x_mark");
        assertEquals(30, plain.names.size() + marks.names.size(), "every read arrives, as a read or as an x_mark: "
                + plain.names.size() + " reads, " + marks.names.size() + " marks");
        assertEquals(10, marks.names.size(), "from the next batch on");
        engine.deactivate();
    }
}

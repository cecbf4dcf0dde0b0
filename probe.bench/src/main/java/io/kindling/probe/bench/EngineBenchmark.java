package io.kindling.probe.bench;

import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.spi.Converter;
import io.kindling.probe.api.spi.Sink;
import io.kindling.probe.converter.file.FileConverter;
import io.kindling.probe.converter.socket.SocketConverter;
import io.kindling.probe.core.EngineAccess;
import io.kindling.probe.core.ProbeEngine;
import io.kindling.probe.inspector.NativeInspector;
import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole per-event path of the core, outside OSGi: the real engine with the real inspector and
 * the file and socket converters replays the benchmark capture to counting sinks; each invocation is
 * one replay, from open to the last sink's delivery, and one operation is one event read from the
 * capture ({@link Captures#EVENTS}). With {@code -prof gc}, {@code gc.alloc.rate.norm} is the
 * allocation per event read, all threads included (the event loop, the inspector's reader, the sinks).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineBenchmark {

    /** Counts what it receives, on its delivery thread. */
    static final class CountingSink implements Sink {
        volatile long count;

        @Override
        @SuppressWarnings("NonAtomicOperationOnVolatileField") // one delivery thread writes it
        public void deliver(KindlingEvent event) {
            count++;
        }
    }

    private static final ProbeEngine.Config CONFIG = new ProbeEngine.Config() {
        @Override
        public int sink_queue_size() {
            return 8192; // the engine's default
        }

        @Override
        public long sink_stall_millis() {
            return 2000;
        }

        @Override
        public String[] suppressed_comms() {
            return new String[0];
        }

        @Override
        public Class<? extends Annotation> annotationType() {
            return ProbeEngine.Config.class;
        }
    };

    /** The Kindling collector's default subscriptions that Debian's libsinsp produces. */
    static final String[] KINDLING_DEFAULTS = {"syscall_exit-writev:net", "syscall_exit-readv:net",
        "syscall_exit-write:net", "syscall_exit-read:net", "syscall_exit-sendto:net", "syscall_exit-recvfrom:net",
        "syscall_exit-sendmsg:net", "syscall_exit-recvmsg:net", "syscall_exit-sendmmsg:net", "syscall_exit-connect",
        "tracepoint-procexit"};

    /** An engine with the converters of the dist and the sinks of a subclass. */
    @State(Scope.Benchmark)
    public abstract static class Engine {
        Path capture;
        ProbeEngine engine;
        final List<CountingSink> sinks = new ArrayList<>();

        abstract String[][] subscriptions();

        @Setup(Level.Trial)
        public void start() {
            capture = Captures.capture();
            engine = new ProbeEngine(new NativeInspector(Captures.BATCH_BYTES, Captures.BATCH_EVENTS), CONFIG);
            EngineAccess.addConverter(engine, new FileConverter(),
                    Map.of(Converter.FD_TYPES, new String[] {"file"}, Converter.NAME, "file"));
            EngineAccess.addConverter(engine, new SocketConverter(), Map.of(Converter.FD_TYPES,
                    new String[] {"ipv4", "ipv6", "ipv4_server", "ipv6_server", "unix"}, Converter.NAME, "socket"));
            moreConverters(engine);
            String[][] subscriptions = subscriptions();
            for (int i = 0; i < subscriptions.length; i++) {
                CountingSink sink = new CountingSink();
                sinks.add(sink);
                EngineAccess.addSink(engine, sink, Map.of(Sink.SUBSCRIPTIONS, subscriptions[i], Sink.NAME, "sink" + i));
            }
        }

        /** Converters a benchmark adds to the file and socket converters. */
        void moreConverters(ProbeEngine engine) {}

        /** One replay; checks that every event was read and every sink got something. */
        void replay() throws Exception {
            Run run = engine.open(capture);
            run.await();
            if (run.failure() != null) {
                throw new IllegalStateException(run.failure());
            }
        }

        @TearDown(Level.Trial)
        public void check() throws Exception {
            Statistics s = engine.statistics();
            if (s.read() != Captures.EVENTS) {
                throw new IllegalStateException("read " + s.read() + " events, not " + Captures.EVENTS);
            }
            StringBuilder figures = new StringBuilder("last replay: read " + s.read() + ", converted " + s.converted()
                    + "; delivered in all replays:");
            for (SinkStatistics sink : s.sinks()) {
                if (sink.delivered() == 0) {
                    throw new IllegalStateException("sink " + sink.name() + " received nothing");
                }
                figures.append(' ').append(sink.name()).append(' ').append(sink.delivered());
            }
            System.out.println(figures);
            sinks.forEach(sink -> EngineAccess.removeSink(engine, sink));
        }
    }

    /** One sink subscribed to everything: every event that passes the drop rules is converted once and delivered once. */
    public static class OneSinkAll extends Engine {
        @Override
        String[][] subscriptions() {
            return new String[][] {{"all"}};
        }
    }

    /** Five sinks with different subscriptions, one of them everything: conversion once, routing five ways. */
    public static class FiveSinks extends Engine {
        @Override
        String[][] subscriptions() {
            return new String[][] {
                {"all"},
                KINDLING_DEFAULTS,
                {"syscall_exit-read:net"},
                {"syscall_exit-openat", "syscall_exit-read:file", "syscall_exit-write:file", "syscall_exit-close:file"},
                {"tracepoint-sched_switch", "syscall_exit-futex"},
            };
        }
    }

    /** (b) Conversion: the whole path to one sink of everything. */
    @Benchmark
    @OperationsPerInvocation(Captures.EVENTS)
    public void conversion(OneSinkAll state) throws Exception {
        state.replay();
    }

    /** (c) Routing: the same capture to five sinks of different subscriptions. */
    @Benchmark
    @OperationsPerInvocation(Captures.EVENTS)
    public void routing(FiveSinks state) throws Exception {
        state.replay();
    }
}

package io.kindling.probe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.control.DropRule;
import io.kindling.probe.api.control.EventCatalog;
import io.kindling.probe.api.control.ProbeControl;
import io.kindling.probe.api.control.ProbeException;
import io.kindling.probe.api.control.Run;
import io.kindling.probe.api.control.SinkStatistics;
import io.kindling.probe.api.control.Statistics;
import io.kindling.probe.api.control.Subscription;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final FakeServices services = new FakeServices();
    private Path capture;

    @BeforeEach
    void capture() throws IOException {
        capture = Files.write(dir.resolve("trace.scap"), new byte[] {1, 2, 3});
    }

    @Test
    void replayDeliversPrintsTheSummaryAndRemovesTheSinks() {
        assertEquals(0, run("replay", capture.toString(), "--subscribe", "syscall_exit-read:net", "--sink", "jsonl"));
        assertEquals(capture.toAbsolutePath(), services.control.opened);
        assertEquals(List.of(Subscription.parse("syscall_exit-read:net")), services.subscriptions);
        assertEquals("jsonl", services.specs.get(0).toString());
        assertTrue(services.sinksClosed);
        assertEquals("", out());
        String err = err();
        assertTrue(err.startsWith("probe: summary of " + capture + "\n  events read      1000\n"), err);
        assertTrue(err.contains("dropped          own_process 0, internal 5, no_thread 0, io_result 0, unsubscribed 900"), err);
        assertTrue(err.contains("sink jsonl       delivered 95, dropped 1, failed 2"), err);
        assertTrue(err.contains("rate             500 events/s"), err);
        assertTrue(err.contains("elapsed          2.000 s"), err);
    }

    @Test
    void defaultsGiveOneCalmNote() {
        assertEquals(0, run("replay", capture.toString()));
        String err = err();
        assertTrue(err.startsWith("note: 7 of the 17 default events are not produced by this inspector (see probe events)\n"),
                err);
        assertFalse(err.contains("warning"), err);
        // names the catalog refuses are left out of the defaults, the others are all kept
        assertEquals(16, services.subscriptions.size());
        assertEquals(List.of(SinkSpec.CONSOLE), services.specs);
    }

    @Test
    void explicitNamesThatCannotBeProducedWarnOncePerName() {
        assertEquals(0, run("replay", capture.toString(), "--subscribe", "kprobe-tcp_close", "--subscribe",
                "kprobe-tcp_close:net", "--subscribe", "kprobe-tcp_drop"));
        List<String> warnings = err().lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(List.of("warning: kprobe-tcp_close cannot be produced", "warning: kprobe-tcp_drop cannot be produced"),
                warnings);
        assertEquals(3, services.subscriptions.size());
    }

    @Test
    void unknownEventIsBadInput() {
        assertEquals(2, run("replay", capture.toString(), "--subscribe", "syscall_exit-raed"));
        assertEquals("probe: unknown event 'syscall_exit-raed' (see probe events)\n", err());
        assertNull(services.specs);
    }

    @Test
    void badCommandLineIsOneLineAndPointsToHelp() {
        assertEquals(2, run("replay", capture.toString(), "--bogus"));
        assertEquals("probe: unknown option '--bogus' (see probe help)\n", err());
        assertEquals("", out());
    }

    @Test
    void missingEmptyAndDirectoryCapturesAreBadInput() throws IOException {
        Path missing = dir.resolve("missing.scap");
        assertEquals(2, run("replay", missing.toString()));
        Path empty = Files.createFile(dir.resolve("empty.scap"));
        assertEquals(2, run("replay", empty.toString()));
        assertEquals(2, run("replay", dir.toString()));
        assertEquals(List.of("probe: " + missing + ": no such file", "probe: " + empty + ": empty file, not a capture",
                "probe: " + dir + ": is a directory, not a capture file"), err().lines().toList());
        assertNull(services.specs);
    }

    @Test
    void captureTheInspectorRefusesIsBadInputAndTheSinksAreRemoved() {
        services.control.openFailure = new ProbeException("unrecognized file format");
        assertEquals(2, run("replay", capture.toString()));
        assertEquals("probe: " + capture + ": unrecognized file format", err().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(services.sinksClosed);
    }

    @Test
    void runThatFailsMidwayPrintsTheSummaryThenTheError() {
        services.control.run.failure = "error reading file: unexpected end of file";
        assertEquals(2, run("replay", capture.toString(), "--subscribe", "all"));
        List<String> lines = err().lines().toList();
        assertTrue(lines.contains("  events read      1000"), lines.toString());
        assertEquals("probe: " + capture + ": error reading file: unexpected end of file", lines.get(lines.size() - 1));
        assertTrue(services.sinksClosed);
    }

    @Test
    void liveWithoutDriverSaysWhatToInstall() {
        services.control.liveFailure = new ProbeException("Initialization issues during scap_init: cannot open /dev/scap0");
        assertEquals(2, run("live", "--subscribe", "all"));
        assertEquals(List.of("probe: cannot read live events: Initialization issues during scap_init: cannot open /dev/scap0",
                "probe: " + CommandRunner.LIVE_HINT), err().lines().toList());
        assertTrue(services.sinksClosed);
    }

    @Test
    void bareProbeReplaysTheSample() {
        services.sample = capture.toString();
        assertEquals(0, run());
        assertEquals(capture.toAbsolutePath(), services.control.opened);
        assertEquals(List.of(SinkSpec.CONSOLE), services.specs);
    }

    @Test
    void bareProbeWithoutSampleSaysSo() {
        assertEquals(2, run());
        assertTrue(err().startsWith("probe: no sample capture is bundled with this build"), err());
        assertNull(services.specs);
    }

    @Test
    void helpGoesToStandardOutput() {
        assertEquals(0, run("help"));
        assertTrue(out().startsWith("Usage: probe [COMMAND] [OPTIONS]"));
        assertEquals("", err());
    }

    @Test
    void eventsListsNamesMarksTheUnproducibleAndGivesTheCategories() {
        assertEquals(0, run("events"));
        List<String> lines = out().lines().toList();
        assertTrue(lines.contains("  syscall_exit-read"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("  kprobe-tcp_close ")
                && l.endsWith("not produced by this inspector (Kindling kernel driver)")), lines.toString());
        assertTrue(lines.get(lines.size() - 1).startsWith("Categories: other, file, net, ipc"), lines.toString());
    }

    @Test
    void missingEngineIsAFailureNotBadInput() {
        services.controlMissing = true;
        assertEquals(1, run("events"));
        assertEquals("probe: the probe engine did not start within 30 s\n", err());
    }

    @Test
    void stopEndsALiveRunWithItsSummary() throws Exception {
        services.control.run.endless = true;
        CommandRunner runner = new CommandRunner(services, stream(out), stream(err));
        Thread main = new Thread(() -> assertEquals(0, runner.run("live")));
        main.start();
        while (services.control.run.awaiting == 0) {
            Thread.sleep(1);
        }
        runner.stop(5_000);
        main.join(5_000);
        assertFalse(main.isAlive());
        assertTrue(err().contains("probe: stopped; summary of live events"), err());
        assertTrue(services.sinksClosed);
    }

    private int run(String... args) {
        return new CommandRunner(services, stream(out), stream(err)).run(args);
    }

    private static PrintStream stream(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    static final class FakeServices implements ProbeServices {
        final FakeControl control = new FakeControl();
        boolean controlMissing;
        String sample;
        List<SinkSpec> specs;
        List<Subscription> subscriptions;
        boolean sinksClosed;

        @Override
        public ProbeControl control() throws CommandException {
            if (controlMissing) {
                throw new CommandException(Exit.FAILURE, "the probe engine did not start within 30 s");
            }
            return control;
        }

        @Override
        public Sinks startSinks(List<SinkSpec> specs, List<Subscription> subscriptions) {
            this.specs = specs;
            this.subscriptions = subscriptions;
            return () -> sinksClosed = true;
        }

        @Override
        public String sampleCapture() {
            return sample;
        }
    }

    static final class FakeControl implements ProbeControl {
        final FakeRun run = new FakeRun();
        Path opened;
        ProbeException openFailure;
        ProbeException liveFailure;

        @Override
        public EventCatalog catalog() {
            return new FakeCatalog();
        }

        @Override
        public Run open(Path capture) throws ProbeException {
            if (openFailure != null) {
                throw openFailure;
            }
            opened = capture;
            return run;
        }

        @Override
        public Run openLive() throws ProbeException {
            if (liveFailure != null) {
                throw liveFailure;
            }
            return run;
        }

        @Override
        public Statistics statistics() {
            return run.statistics();
        }
    }

    /** Knows the libsinsp names of the defaults; the kprobes are known but not produced. */
    static final class FakeCatalog implements EventCatalog {
        static final Set<String> UNPRODUCIBLE = Set.of("kprobe-tcp_close", "kprobe-tcp_rcv_established", "kprobe-tcp_drop",
                "kprobe-tcp_retransmit_skb", "kretprobe-tcp_connect", "kprobe-tcp_set_state");

        @Override
        public List<Entry> entries() {
            List<Entry> entries = new ArrayList<>();
            entries.add(new Entry("kprobe-tcp_close", false, "Kindling kernel driver"));
            entries.add(new Entry("syscall_exit-read", true, "libsinsp"));
            return entries;
        }

        @Override
        public String check(Subscription subscription) {
            String name = subscription.name();
            if (subscription.isAll() || name.startsWith("syscall_exit-")) {
                if (name.equals("syscall_exit-raed")) {
                    throw new IllegalArgumentException("unknown event 'syscall_exit-raed'");
                }
                return null;
            }
            if (UNPRODUCIBLE.contains(name)) {
                return name + " cannot be produced";
            }
            throw new IllegalArgumentException("unknown event '" + name + "'");
        }
    }

    static final class FakeRun implements Run {
        String failure;
        volatile boolean endless;
        volatile boolean stopped;
        volatile int awaiting;

        @Override
        public synchronized void await() throws InterruptedException {
            awaiting++;
            while (endless && !stopped) {
                wait();
            }
        }

        @Override
        public boolean await(long timeout, TimeUnit unit) {
            return true;
        }

        @Override
        public boolean isDone() {
            return !endless || stopped;
        }

        @Override
        public synchronized void stop() {
            stopped = true;
            notifyAll();
        }

        @Override
        public String failure() {
            return failure;
        }

        @Override
        public Statistics statistics() {
            Map<DropRule, Long> dropped = new EnumMap<>(DropRule.class);
            dropped.put(DropRule.INTERNAL, 5L);
            dropped.put(DropRule.UNSUBSCRIBED, 900L);
            return new Statistics(1000, dropped, 95, 0, List.of(new SinkStatistics("jsonl", 95, 1, 2, 0)),
                    2_000_000_000L);
        }
    }
}

package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.GenerationSummary;
import io.kindling.probe.generator.Progress;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.EventComparison;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.RunSummary;
import io.kindling.probe.itests.support.SysdigOracle;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * Every real capture, replayed by the real command with {@code --subscribe all --sink jsonl}, gives
 * exactly the events that the Kindling probe's drop rules keep of what sysdig prints for the same file, in the
 * same order, with the same timestamp, name, pid, tid, comm and fd context (see
 * {@link EventComparison} and {@link SysdigOracle}). Besides those, {@code all} brings the events
 * that converters make ({@code cpu_event}, {@code conn_connect}, ...): they are told apart by name
 * (a capture event is delivered with libsinsp's {@code evt.type}, which must be sysdig's, with the
 * source that sysdig's {@code evt.dir} gives) and counted against the summary's "emitted" figure.
 *
 * <p>The same comparison runs on captures that probe.generator writes under target/: every
 * {@link Scenario} with each of {@link #SEEDS}, {@value #GENERATED_EVENTS} events each. These cases
 * need sysdig but not the shared captures folder.
 */
@RunWith(Parameterized.class)
public class ReplayMatchesSysdigIT {

    /** Mismatches listed in a failure message at most. */
    private static final int SHOWN = 25;

    /** Seeds of the generated captures (those of probe.generator's SysdigReadBackTest). */
    static final long[] SEEDS = {1, 42, 20220316};

    /** Events in each generated capture. */
    static final int GENERATED_EVENTS = 4000;

    /** The cases: {name, scenario, seed}; the scenario is null for a real capture of the shared folder. */
    @Parameters(name = "{0}")
    public static Collection<Object[]> captures() throws IOException {
        List<Object[]> cases = new ArrayList<>();
        Path dir = Path.of(System.getProperty(TestEnvironment.CAPTURES, "../shared/captures"));
        if (!Files.isDirectory(dir)) {
            // One case that skips, with the reason, instead of an empty and silent suite.
            cases.add(new Object[] {"(no captures folder)", null, 0L});
        } else {
            try (Stream<Path> s = Files.list(dir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".scap")).sorted()
                        .forEach(n -> cases.add(new Object[] {n, null, 0L}));
            }
        }
        for (Scenario scenario : Scenario.values()) {
            if (scenario.ordinal() > Scenario.JAVA.ordinal() && scenario != Scenario.REQUESTS) {
                continue; // a protocol's requests: the requests scenario holds every one of them
            }
            for (long seed : scenario == Scenario.REQUESTS ? new long[] {SEEDS[1]} : SEEDS) {
                cases.add(new Object[] {"generated-" + scenario.cliName() + "-" + seed + ".scap", scenario, seed});
            }
        }
        return cases;
    }

    private final String captureName;
    private final Scenario scenario;
    private final long seed;

    public ReplayMatchesSysdigIT(String captureName, Scenario scenario, long seed) {
        this.captureName = captureName;
        this.scenario = scenario;
        this.seed = seed;
    }

    /** The names of the events that the distribution's converters make. */
    static final java.util.Set<String> MADE = java.util.Set.of("cpu_event", "conn_connect", "conn_accept", "conn_close",
            "java_futex_info", "apm_trace_id_event", "apm_span_event");

    /** Whether an event was read from the capture; the others are events a converter made. */
    static boolean isCaptureEvent(String name) {
        return !MADE.contains(name);
    }

    @Test
    public void replayGivesWhatSysdigPrintsAfterTheSeedsDropRules() throws Exception {
        Path capture = scenario == null ? TestEnvironment.capture(captureName) : null;
        TestEnvironment.sysdig();
        Path work = TestEnvironment.workDir("replay/" + captureName);
        if (scenario != null) {
            capture = work.resolve(captureName);
            GenerationSummary generated = CaptureGenerator.generate(scenario, GENERATED_EVENTS, seed, capture, Progress.NONE);
            assertEquals(captureName + ": events the generator wrote", GENERATED_EVENTS, generated.events());
        }

        SysdigOracle.Result oracle = SysdigOracle.read(capture, work);
        ProbeProcess.Result run = ProbeProcess.runBrief(work, "replay", capture.toString(), "--subscribe", "all", "--sink", "jsonl");

        assertEquals("exit status of\n" + run.describe(), 0, run.exitCode());
        assertTrue("no hs_err file: " + run.crashLogs(), run.crashLogs().isEmpty());
        assertEquals("no stack trace on standard error:\n" + run.describe(), List.of(), run.stackTraceLines());
        RunSummary summary = RunSummary.parse(run.stderr());
        assertNotNull("a summary on standard error:\n" + run.describe(), summary);
        assertNull(captureName + ": " + summary.unboundSinkSymptom("jsonl"), summary.unboundSinkSymptom("jsonl"));
        assertEquals(captureName + ": events dropped as the probe's own process during a replay (the replaying JVM's pid"
                + " equals a pid of the capture)", 0, summary.dropped("own_process"));

        List<String> allLines = run.stdoutLines();
        List<String> lines = new ArrayList<>();
        List<Map<String, Object>> events = new ArrayList<>();
        Map<String, Integer> made = new java.util.TreeMap<>();
        for (int i = 0; i < allLines.size(); i++) {
            Map<String, Object> event = null;
            try {
                event = Json.object(allLines.get(i));
            } catch (IOException e) {
                fail(captureName + ": line " + (i + 1) + " of standard output is not a JSON object: " + e.getMessage());
            }
            if (isCaptureEvent(String.valueOf(event.get("name")))) {
                lines.add(allLines.get(i));
                events.add(event);
            } else {
                made.merge(String.valueOf(event.get("name")), 1, Integer::sum);
            }
        }
        assertEquals(captureName + ": events made by converters " + made + " == the summary's 'emitted'",
                summary.emitted(), made.values().stream().mapToLong(Integer::longValue).sum());
        assertEquals(captureName + ": lines on standard output == the jsonl sink's 'delivered'",
                (long) summary.delivered().get("jsonl"), allLines.size());

        // sysdig prints every event but libsinsp's EC_INTERNAL ones, which the Kindling probe drops first; the
        // events of the threads the probe suppresses by default are not counted as read.
        assertEquals(captureName + ": events sysdig prints, less those of suppressed threads (" + oracle.suppressed()
                + "), == events the probe read minus its 'internal' drops",
                summary.read() - summary.dropped("internal"), oracle.printed().size() - oracle.suppressed());
        // Events without thread info may go to converters that asked for them (the CPU converter), so the
        // summary's no_thread figure may be lower than sysdig's count; neither kind reaches a sink.
        assertTrue(captureName + ": the probe's no_thread drops <= events without thread info (sysdig: proc.pid <NA>)",
                summary.dropped("no_thread") <= oracle.droppedNoThread());
        assertEquals(captureName + ": I/O events with res <= 0 (per sysdig and libscap's table) == the probe's io_result drops",
                oracle.droppedIoResult(), summary.dropped("io_result"));

        List<String> mismatches = new ArrayList<>();
        int n = Math.min(events.size(), oracle.kept().size());
        Map<String, Integer> fdTypes = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            Object fd = events.get(i).get("fd");
            if (fd instanceof Map<?, ?> m) {
                fdTypes.merge(String.valueOf(m.get("type")), 1, Integer::sum);
            }
            List<String> d = EventComparison.differences(events.get(i), oracle.kept().get(i));
            if (!d.isEmpty()) {
                mismatches.add("event " + (i + 1) + " (" + oracle.kept().get(i) + "):\n      " + String.join("\n      ", d));
            }
        }
        String report = String.format("%s: probe %d capture events (+ %s made by converters), sysdig %d printed,"
                + " %d after the drop rules (no thread %d, I/O res<=0 %d; probe summary: no_thread %d, io_result %d),"
                + " %d mismatches; fd contexts compared %s", captureName, events.size(), made, oracle.printed().size(),
                oracle.kept().size(), oracle.droppedNoThread(), oracle.droppedIoResult(), summary.dropped("no_thread"),
                summary.dropped("io_result"), mismatches.size(), fdTypes);
        System.out.println("REPLAY " + report);
        Files.writeString(work.resolve("report.txt"), report + "\n" + String.join("\n", mismatches) + "\n");

        if (!mismatches.isEmpty() || events.size() != oracle.kept().size()) {
            StringBuilder b = new StringBuilder(report);
            if (events.size() != oracle.kept().size()) {
                b.append("\n  count: probe ").append(events.size()).append(" != sysdig after drop rules ")
                        .append(oracle.kept().size());
                if (events.size() > n) {
                    b.append("\n  first extra probe event: ").append(lines.get(n));
                } else if (oracle.kept().size() > n) {
                    b.append("\n  first sysdig event the probe lacks: ").append(oracle.kept().get(n));
                }
            }
            mismatches.stream().limit(SHOWN).forEach(m -> b.append("\n  ").append(m));
            fail(b.toString());
        }
    }
}

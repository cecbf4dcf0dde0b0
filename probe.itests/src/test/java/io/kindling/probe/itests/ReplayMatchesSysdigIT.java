package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

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
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

/**
 * Every real capture, replayed by the real command with {@code --subscribe all --sink jsonl}, gives
 * exactly the events that the seed's drop rules keep of what sysdig prints for the same file, in the
 * same order, with the same timestamp, name, pid, tid, comm and fd context (see
 * {@link EventComparison} and {@link SysdigOracle}).
 */
@RunWith(Parameterized.class)
public class ReplayMatchesSysdigIT {

    /** Mismatches listed in a failure message at most. */
    private static final int SHOWN = 25;

    @Parameters(name = "{0}")
    public static Collection<Object[]> captures() throws IOException {
        Path dir = Path.of(System.getProperty(TestEnvironment.CAPTURES, "../shared/captures"));
        if (!Files.isDirectory(dir)) {
            // One case that skips, with the reason, instead of an empty and silent suite.
            return List.<Object[]>of(new Object[] {"(no captures folder)"});
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".scap")).sorted()
                    .map(n -> new Object[] {n}).collect(Collectors.toList());
        }
    }

    private final String captureName;

    public ReplayMatchesSysdigIT(String captureName) {
        this.captureName = captureName;
    }

    @Test
    public void replayGivesWhatSysdigPrintsAfterTheSeedsDropRules() throws Exception {
        Path capture = TestEnvironment.capture(captureName);
        TestEnvironment.sysdig();
        Path work = TestEnvironment.workDir("replay/" + captureName);

        SysdigOracle.Result oracle = SysdigOracle.read(capture, work);
        ProbeProcess.Result run = ProbeProcess.run(work, "replay", capture.toString(), "--subscribe", "all", "--sink", "jsonl");

        assertEquals("exit status of\n" + run.describe(), 0, run.exitCode());
        assertTrue("no hs_err file: " + run.crashLogs(), run.crashLogs().isEmpty());
        assertEquals("no stack trace on standard error:\n" + run.describe(), List.of(), run.stackTraceLines());
        RunSummary summary = RunSummary.parse(run.stderr());
        assertNotNull("a summary on standard error:\n" + run.describe(), summary);
        assertNull(captureName + ": " + summary.unboundSinkSymptom("jsonl"), summary.unboundSinkSymptom("jsonl"));
        assertEquals(captureName + ": events dropped as the probe's own process during a replay (the replaying JVM's pid"
                + " equals a pid of the capture)", 0, summary.dropped("own_process"));

        List<String> lines = run.stdoutLines();
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            try {
                events.add(Json.object(lines.get(i)));
            } catch (IOException e) {
                fail(captureName + ": line " + (i + 1) + " of standard output is not a JSON object: " + e.getMessage());
            }
        }

        // sysdig prints every event but libsinsp's EC_INTERNAL ones, which the seed drops first.
        assertEquals(captureName + ": events sysdig prints == events the probe read minus its 'internal' drops",
                summary.read() - summary.dropped("internal"), oracle.printed().size());
        assertEquals(captureName + ": events without thread info (sysdig: proc.pid <NA>) == the probe's no_thread drops",
                oracle.droppedNoThread(), summary.dropped("no_thread"));
        assertEquals(captureName + ": I/O events with res <= 0 (per sysdig and libscap's table) == the probe's io_result drops",
                oracle.droppedIoResult(), summary.dropped("io_result"));

        List<String> mismatches = new ArrayList<>();
        int n = Math.min(events.size(), oracle.kept().size());
        for (int i = 0; i < n; i++) {
            List<String> d = EventComparison.differences(events.get(i), oracle.kept().get(i));
            if (!d.isEmpty()) {
                mismatches.add("event " + (i + 1) + " (" + oracle.kept().get(i) + "):\n      " + String.join("\n      ", d));
            }
        }
        String report = String.format("%s: probe %d events, sysdig %d printed, %d after the drop rules"
                + " (no thread %d, I/O res<=0 %d), %d mismatches", captureName, events.size(), oracle.printed().size(),
                oracle.kept().size(), oracle.droppedNoThread(), oracle.droppedIoResult(), mismatches.size());
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

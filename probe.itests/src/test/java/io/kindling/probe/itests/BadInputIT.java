package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeFalse;

import io.kindling.probe.itests.support.EventComparison;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.RunSummary;
import io.kindling.probe.itests.support.SysdigOracle;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

/**
 * Bad input through the real command: each ends with exit status 2 and one line on standard error
 * that says what is wrong, nothing on standard output, and no Java stack trace.
 */
public class BadInputIT {

    /** Runs the command and checks the common part: exit 2, no stack trace, no crash log, nothing on stdout. */
    private static ProbeProcess.Result badInput(String caseName, String... args) throws Exception {
        Path work = TestEnvironment.workDir("bad-input/" + caseName);
        ProbeProcess.Result run = ProbeProcess.runBrief(work, args);
        System.out.println("BAD-INPUT " + caseName + ": exit " + run.exitCode() + ", stderr " + run.stderr());
        assertEquals("exit status of\n" + run.describe(), 2, run.exitCode());
        assertEquals("no stack trace:\n" + run.describe(), List.of(), run.stackTraceLines());
        assertTrue("no hs_err file:\n" + run.describe(), run.crashLogs().isEmpty());
        return run;
    }

    /** Exactly one line on standard error, starting with "probe: " and containing every one of {@code expected}. */
    private static void oneLine(ProbeProcess.Result run, String... expected) {
        assertEquals("exactly one line on standard error:\n" + run.describe(), 1, run.stderr().size());
        String line = run.stderr().get(0);
        assertTrue("the line starts with 'probe: ': " + line, line.startsWith("probe: "));
        for (String e : expected) {
            assertTrue("the line mentions '" + e + "': " + line, line.contains(e));
        }
    }

    private static void nothingOnStdout(ProbeProcess.Result run) throws IOException {
        assertEquals("standard output is empty:\n" + run.describe(), 0, Files.size(run.stdout()));
    }

    @Test
    public void missingFile() throws Exception {
        Path missing = TestEnvironment.workDir("bad-input/files").resolve("no-such-capture.scap");
        ProbeProcess.Result run = badInput("missing-file", "replay", missing.toString(), "--subscribe", "all", "--sink", "jsonl");
        oneLine(run, missing.toString(), "no such file");
        nothingOnStdout(run);
    }

    @Test
    public void emptyFile() throws Exception {
        Path empty = Files.createFile(TestEnvironment.workDir("bad-input/files-empty").resolve("empty.scap"));
        ProbeProcess.Result run = badInput("empty-file", "replay", empty.toString(), "--subscribe", "all", "--sink", "jsonl");
        oneLine(run, empty.toString(), "empty");
        nothingOnStdout(run);
    }

    @Test
    public void textFileIsNotACapture() throws Exception {
        Path text = TestEnvironment.workDir("bad-input/files-text").resolve("notes.scap");
        Files.writeString(text, "These are notes, not a capture.\nSecond line.\n", StandardCharsets.UTF_8);
        ProbeProcess.Result run = badInput("text-file", "replay", text.toString(), "--subscribe", "all", "--sink", "jsonl");
        oneLine(run, text.toString());
        nothingOnStdout(run);
    }

    @Test
    public void directory() throws Exception {
        Path dir = TestEnvironment.workDir("bad-input/a-directory");
        ProbeProcess.Result run = badInput("directory", "replay", dir.toString(), "--subscribe", "all", "--sink", "jsonl");
        oneLine(run, dir.toString(), "directory");
        nothingOnStdout(run);
    }

    /** Cut inside the header and process table: the capture cannot be opened. */
    @Test
    public void captureTruncatedInItsHeader() throws Exception {
        Path capture = TestEnvironment.capture("falco_cat_write.scap");
        byte[] bytes = Files.readAllBytes(capture);
        Path cut = TestEnvironment.workDir("bad-input/files-header-cut").resolve("header-cut.scap");
        Files.write(cut, Arrays.copyOf(bytes, 5000));
        ProbeProcess.Result run = badInput("truncated-header", "replay", cut.toString(), "--subscribe", "all", "--sink", "jsonl");
        oneLine(run, cut.getFileName().toString(), "truncated");
        nothingOnStdout(run);
    }

    /**
     * Cut among the events: the events before the cut are delivered (exactly those sysdig prints for
     * the same cut file, after the drop rules), then the summary, then one line saying what is wrong.
     */
    @Test
    public void captureTruncatedAmongItsEvents() throws Exception {
        Path capture = TestEnvironment.capture("falco_cat_write.scap");
        TestEnvironment.sysdig();
        byte[] bytes = Files.readAllBytes(capture);
        Path work = TestEnvironment.workDir("bad-input/files-event-cut");
        Path cut = work.resolve("event-cut.scap");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 500));
        ProbeProcess.Result run = badInput("truncated-events", "replay", cut.toString(), "--subscribe", "all", "--sink", "jsonl");
        List<String> messages = run.messageLines();
        assertEquals("one message besides the summary:\n" + run.describe(), 1, messages.size());
        assertTrue("the message names the file and says it is truncated: " + messages.get(0),
                messages.get(0).startsWith("probe: ") && messages.get(0).contains(cut.getFileName().toString())
                        && messages.get(0).contains("truncated"));
        RunSummary summary = RunSummary.parse(run.stderr());
        assertNotNull("a summary:\n" + run.describe(), summary);
        assertNull(summary.unboundSinkSymptom("jsonl"), summary.unboundSinkSymptom("jsonl"));

        SysdigOracle.Result oracle = SysdigOracle.read(cut, work, true);
        List<String> lines = run.stdoutLines();
        assertTrue("some events before the cut", !lines.isEmpty());
        assertEquals("events before the cut: probe vs sysdig after the drop rules", oracle.kept().size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            List<String> d = EventComparison.differences(Json.object(lines.get(i)), oracle.kept().get(i));
            assertEquals("event " + (i + 1) + " " + oracle.kept().get(i), List.of(), d);
        }
    }

    @Test
    public void unknownEventNameListsTheNearest() throws Exception {
        Path capture = TestEnvironment.capture("falco_syscall.scap");
        ProbeProcess.Result run = badInput("unknown-event", "replay", capture.toString(), "--subscribe", "syscall_exit-reed",
                "--sink", "jsonl");
        oneLine(run, "syscall_exit-reed", "nearest", "syscall_exit-read");
        nothingOnStdout(run);
    }

    @Test
    public void unknownCategoryListsTheCategories() throws Exception {
        Path capture = TestEnvironment.capture("falco_syscall.scap");
        ProbeProcess.Result run = badInput("unknown-category", "replay", capture.toString(), "--subscribe",
                "syscall_exit-read:nett", "--sink", "jsonl");
        oneLine(run, "nett", "file", "net", "ipc");
        nothingOnStdout(run);
    }

    /**
     * Live capture where the eBPF source cannot load: a root process without CAP_BPF, CAP_PERFMON and
     * CAP_SYS_ADMIN (as in a container that was not given them; setpriv drops them from the bounding
     * set). The probe exits with status 2 and one line that says what is missing and what to do.
     */
    @Test
    public void liveWhereTheEbpfSourceCannotLoad() throws Exception {
        assumeFalse("the kernel driver is loaded here (/dev/scap0 exists): libsinsp would read it", Files.exists(Path.of("/dev/scap0")));
        Path work = TestEnvironment.workDir("bad-input/live-without-bpf");
        ProbeProcess.Result run = ProbeProcess.runUnder(List.of("setpriv", "--inh-caps=-all",
                "--bounding-set=-bpf,-perfmon,-sys_admin", "--"), work, "live", "--subscribe", "all", "--sink", "jsonl");
        System.out.println("BAD-INPUT live-without-bpf: exit " + run.exitCode() + ", stderr " + run.stderr());
        assertEquals("exit status of\n" + run.describe(), 2, run.exitCode());
        assertEquals("no stack trace:\n" + run.describe(), List.of(), run.stackTraceLines());
        oneLine(run, "live capture needs", "CAP_BPF (", "CAP_PERFMON (", "which this root process lacks");
        nothingOnStdout(run);
    }

    /**
     * Live capture by a user who is not root and has none of the capabilities: the one line says so. As
     * root, the test runs the probe as nobody (setpriv).
     */
    @Test
    public void liveWithoutRootSaysSo() throws Exception {
        assumeFalse("the kernel driver is loaded here (/dev/scap0 exists): libsinsp would read it", Files.exists(Path.of("/dev/scap0")));
        boolean root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        List<String> asNobody = root ? List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--") : List.of();
        Path work = TestEnvironment.workDir("bad-input/live-without-root");
        ProbeProcess.Result run = ProbeProcess.runUnder(asNobody, work, "live", "--subscribe", "all", "--sink", "jsonl");
        System.out.println("BAD-INPUT live-without-root: exit " + run.exitCode() + ", stderr " + run.stderr());
        assertEquals("exit status of\n" + run.describe(), 2, run.exitCode());
        assertEquals("no stack trace:\n" + run.describe(), List.of(), run.stackTraceLines());
        oneLine(run, "live capture needs", "CAP_BPF", "CAP_SYS_PTRACE", "run it as root");
        nothingOnStdout(run);
    }
}

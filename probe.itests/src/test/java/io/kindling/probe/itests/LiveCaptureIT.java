package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.EventComparison;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.LiveEnvironment.Entry;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.SysdigOracle;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.Test;

/**
 * The real command reading live events from the probe's eBPF programs on this machine's kernel:
 * a workload that this test starts (HTTP/1.1 over loopback, files, a DNS-like UDP exchange, a futex
 * wait, epoll waits; src/test/c/kindling_workload.c) logs what it did, and the probe must have seen
 * every part with the right thread, fd, path, tuple, byte count and a latency within what the workload
 * measured, and derived conn_connect, conn_accept, conn_close (with bytes) and cpu_event from it. The run
 * records what it read ({@code --write}); sysdig reads that file whole and agrees with every event the
 * probe delivered. Then the faults: a second live capture while one runs is refused with one line, and
 * a live probe killed with SIGKILL does not keep the next one from starting.
 */
public class LiveCaptureIT {

    static final List<String> SUBSCRIPTIONS = List.of("all", "conn_connect", "conn_accept", "conn_close", "cpu_event");

    /** A live probe running in the background, its standard error in a file. */
    static final class LiveProbe implements AutoCloseable {
        final Process process;
        final Path out;
        final Path stderr;

        LiveProbe(Path work, List<String> extra) throws IOException, InterruptedException {
            this(work, List.of(), withSubscriptions(work.resolve("events.jsonl"), SUBSCRIPTIONS, "120s", extra));
        }

        /**
         * {@code PREFIX java -jar probe.jar live ARGS}: the prefix runs it (as another user, in a namespace...), its
         * temporary files in {@code work}.
         */
        LiveProbe(Path work, List<String> prefix, List<String> args) throws IOException, InterruptedException {
            this(work, prefix, List.of(), args);
        }

        /** {@code PREFIX java JVM_OPTIONS -jar probe.jar live ARGS}, its temporary files in {@code work}. */
        LiveProbe(Path work, List<String> prefix, List<String> jvmOptions, List<String> args)
                throws IOException, InterruptedException {
            Files.createDirectories(work);
            out = work.resolve("events.jsonl");
            stderr = work.resolve("stderr");
            List<String> command = new ArrayList<>(prefix);
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djava.io.tmpdir=" + work));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", ProbeProcess.probeJar().toString(), "live"));
            command.addAll(args);
            process = new ProcessBuilder(command).directory(work.toFile()).redirectOutput(work.resolve("stdout").toFile())
                    .redirectError(stderr.toFile()).start();
        }

        /** {@code --duration D --sink jsonl:OUT --subscribe S... EXTRA}. */
        static List<String> withSubscriptions(Path out, List<String> subscriptions, String duration, List<String> extra) {
            List<String> args = new ArrayList<>(List.of("--duration", duration, "--sink", "jsonl:" + out));
            for (String s : subscriptions) {
                args.add("--subscribe");
                args.add(s);
            }
            args.addAll(extra);
            return args;
        }

        /** Waits for the line that says the capture began (the programs attached, /proc scanned); returns it. */
        String awaitCapturing() throws IOException, InterruptedException {
            for (int i = 0; i < 1200; i++) {
                for (String line : Files.readAllLines(stderr)) {
                    if (line.startsWith("capturing: ")) {
                        return line;
                    }
                }
                if (!process.isAlive()) {
                    fail("the live probe ended before capturing (exit " + process.exitValue() + "):\n" + errors());
                }
                Thread.sleep(100);
            }
            fail("the live probe did not begin capturing within two minutes:\n" + errors());
            return null;
        }

        /** Waits until events flow (the machine is never quiet: this test's own JVM is another process). */
        void awaitEvents() throws IOException, InterruptedException {
            for (int i = 0; i < 600; i++) {
                if (Files.exists(out) && Files.size(out) > 0) {
                    return;
                }
                if (!process.isAlive()) {
                    fail("the live probe ended before delivering an event:\n" + Files.readString(stderr));
                }
                Thread.sleep(100);
            }
            fail("no live event within a minute:\n" + Files.readString(stderr));
        }

        /** Ctrl-C: the probe ends its run and prints the summary. */
        int stop() throws InterruptedException, IOException {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("the live probe did not end on SIGINT:\n" + Files.readString(stderr));
            }
            return process.exitValue();
        }

        String errors() throws IOException {
            return Files.readString(stderr);
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    @Test
    public void liveSeesTheWorkloadAndSysdigReadsWhatItWrote() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/workload");
        Path capture = work.resolve("live.scap");
        List<Entry> log;
        String summaryText;
        List<Map<String, Object>> events = new ArrayList<>();
        try (LiveProbe probe = new LiveProbe(work, List.of("--write", capture.toString()))) {
            probe.awaitEvents();
            log = LiveEnvironment.runMixed(work.resolve("files"));
            // the workload's last events reach the sink within a few batches
            Thread.sleep(2000);
            // Ctrl-C: the JVM ends with 130 once the run's summary is printed
            assertEquals("exit status of the live probe after SIGINT:\n" + probe.errors(), 130, probe.stop());
            assertTrue("the summary of the live run:\n" + probe.errors(), probe.errors().contains("summary of live events"));
            summaryText = probe.errors();
            System.out.println("LIVE summary:\n" + summaryText);
        }
        for (String line : Files.readAllLines(work.resolve("events.jsonl"), StandardCharsets.UTF_8)) {
            events.add(Json.object(line));
        }
        long pid = log.get(0).number("pid");
        List<Map<String, Object>> mine = events.stream().filter(e -> pid(e) == pid).toList();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Entry e : log) {
            switch (e.kind()) {
                case "tcp" -> checked += checkTcp(e, mine, problems);
                case "file" -> checked += checkFile(e, mine, problems);
                case "udp" -> checked += checkUdp(e, mine, problems);
                case "futex" -> checked += checkFutex(e, mine, problems);
                // the 2022 event table gives epoll_wait no fd parameter: the thread and the result say it
                case "epoll" -> checked += expect(problems, "epoll_wait exits of the server thread with one event ready", mine,
                        ev -> exit(ev, "epoll_wait") && tid(ev) == e.number("tid") && res(ev) == 1,
                        (int) e.number("waits"));
                default -> { }
            }
        }
        System.out.println("LIVE workload: " + log.size() + " log lines, " + checked + " events checked, " + mine.size()
                + " events of the workload's process, " + events.size() + " events in all");
        assertEquals("what the probe saw of the workload (" + mine.size() + " events of pid " + pid + ")", List.of(), problems);

        // --write: sysdig reads the whole file; the probe's capture events are, in order, what sysdig
        // prints after the Kindling probe's drop rules (events read after the run's last delivered batch may follow).
        // A live run never holds the kernel up for a sink: events a full sink queue refused are counted
        // in the summary ("sink jsonl ... dropped N"), and only that many of sysdig's may be passed over.
        long sinkDropped = sinkDropped(summaryText, "jsonl");
        Path sysdigWork = work.resolve("sysdig");
        SysdigOracle.Result oracle = SysdigOracle.read(capture, sysdigWork);
        List<Map<String, Object>> captured = events.stream()
                .filter(ev -> ReplayMatchesSysdigIT.isCaptureEvent(String.valueOf(ev.get("name"))) && !isKernelTcpEvent(ev)).toList();
        List<SysdigOracle.Event> kept = oracle.kept();
        assertTrue("sysdig read the capture that live --write made: " + oracle.printed().size() + " events, probe delivered "
                + captured.size() + " (its sink dropped " + sinkDropped + ")",
                kept.size() >= captured.size() && !captured.isEmpty());
        // the evt.num of each thread's first enter event: before it, sysdig's fd fields fall back on the
        // thread's initial last-event fd (0) where libsinsp gives an exit no fd (its enter came before the
        // capture started); the probe reports the fd libsinsp gives the event, that is none
        Map<String, Long> firstEnter = new java.util.HashMap<>();
        for (SysdigOracle.Event e : oracle.printed()) {
            if (e.isEnter()) {
                firstEnter.putIfAbsent(e.get("thread.tid"), Long.parseLong(e.get("evt.num")));
            }
        }
        long fallbacks = 0;
        List<String> mismatches = new ArrayList<>();
        long passedOver = 0;
        int j = 0;
        for (int i = 0; i < captured.size() && j < kept.size() && mismatches.size() < 20; i++, j++) {
            List<String> d = EventComparison.differences(captured.get(i), kept.get(j));
            for (int k = 1; !d.isEmpty() && passedOver + k <= sinkDropped && j + k < kept.size(); k++) {
                if (EventComparison.differences(captured.get(i), kept.get(j + k)).isEmpty()) {
                    passedOver += k;
                    j += k;
                    d = List.of();
                }
            }
            SysdigOracle.Event k = kept.get(j);
            if (d.size() == 1 && d.get(0).startsWith("fd: the probe has none") && !k.isEnter()
                    && firstEnter.getOrDefault(k.get("thread.tid"), Long.MAX_VALUE) > Long.parseLong(k.get("evt.num"))) {
                fallbacks++;
                d = List.of();
            }
            if (!d.isEmpty()) {
                mismatches.add("event " + (i + 1) + " (" + k + "): " + d);
            }
        }
        System.out.println("LIVE --write: sysdig printed " + oracle.printed().size() + ", kept " + kept.size()
                + ", probe delivered " + captured.size() + " capture events, passed over " + passedOver
                + " that the sink dropped (" + sinkDropped + "), " + fallbacks + " exits before their thread's first enter"
                + " where only sysdig names an fd, mismatches " + mismatches.size());
        assertEquals("sysdig -r on the live --write capture against the events the probe delivered", List.of(), mismatches);
        assertTrue("every event sysdig read up to the last one delivered: the probe's " + captured.size() + " and "
                + passedOver + " passed over", j >= captured.size());
    }

    /** The events a sink's full queue refused, from the run's summary ({@code sink NAME delivered D, dropped N}). */
    static long sinkDropped(String summary, String sink) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sink " + sink + "\\s+delivered \\d+, dropped (\\d+)")
                .matcher(summary);
        assertTrue("the summary names the sink " + sink + ":\n" + summary, m.find());
        return Long.parseLong(m.group(1));
    }

    @Test
    public void aSecondLiveCaptureIsRefusedAndAKilledOneLeavesNothingThatBlocks() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/faults");
        try (LiveProbe first = new LiveProbe(work.resolve("first"), List.of())) {
            first.awaitEvents();
            ProbeProcess.Result second = ProbeProcess.run(work.resolve("second"), "live", "--duration", "2s");
            assertEquals("a second live capture at the same time exits with status 2:\n" + second.describe(), 2,
                    second.exitCode());
            List<String> why = second.messageLines().stream().filter(l -> l.startsWith("probe:")).toList();
            assertEquals("one line says why:\n" + second.describe(), 1, why.size());
            assertTrue("it names the live capture that runs:\n" + second.describe(), why.get(0).contains("another live capture"));
            System.out.println("LIVE second capture: " + why.get(0));
            // SIGKILL: no summary, no cleanup in the process
            first.process.destroyForcibly();
            assertTrue(first.process.waitFor(30, TimeUnit.SECONDS));
        }
        ProbeProcess.Result again = ProbeProcess.run(work.resolve("again"), "live", "--duration", "3s", "--sink",
                "jsonl:" + work.resolve("again.jsonl"));
        assertEquals("a live capture after one was killed starts and ends:\n" + again.describe(), 0, again.exitCode());
        io.kindling.probe.itests.support.RunSummary summary = io.kindling.probe.itests.support.RunSummary.parse(again.stderr());
        assertNotNull("a summary:\n" + again.describe(), summary);
        assertTrue("it read live events:\n" + again.describe(), summary.read() > 0);
    }

    /**
     * A process that opens a file every few hundred microseconds, keeps each open for about half a
     * second and writes to it again halfway through its life, while the capture starts. The eBPF programs
     * attach before libsinsp's /proc scan, so every file is either open when the scan reads the process
     * (the scan knows it) or opened after the attach (its open is an event): every write whose enter the
     * probe read names the file it went to, live and in a replay of the run's --write capture (which
     * cannot look anything up in /proc). Attached after the scan, the files opened in between would be
     * unknown, or known by the name of an earlier file with the same number, for their whole life. Only a
     * write in progress at the attach (its exit without enter) may have no fd.
     */
    @Test
    public void filesOpenedWhileTheCaptureStartsAreKnown() throws Exception {
        LiveEnvironment.requireLive();
        Path work = TestEnvironment.workDir("live/start-gap");
        Path files = work.resolve("files");
        Path capture = work.resolve("live.scap");
        Files.createDirectories(files);
        Process churn = new ProcessBuilder(LiveEnvironment.workload().toString(), "churn", files.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out;
        long sinkDropped;
        try (LiveProbe probe = new LiveProbe(work, List.of("--write", capture.toString()))) {
            probe.awaitEvents();
            Thread.sleep(1000);
            Files.writeString(files.resolve("stop"), "");
            assertTrue("the churn workload ends once told", churn.waitFor(60, TimeUnit.SECONDS));
            out = new String(churn.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("the churn workload's exit status; it said:\n" + out, 0, churn.exitValue());
            Thread.sleep(2000);
            assertEquals("exit status of the live probe after SIGINT:\n" + probe.errors(), 130, probe.stop());
            sinkDropped = sinkDropped(probe.errors(), "jsonl");
        } finally {
            churn.destroyForcibly();
        }
        long pid = Long.parseLong(out.lines().findFirst().orElseThrow().replaceAll(".*pid=(\\d+).*", "$1"));
        String prefix = files + "/churn-";
        checkChurnWrites("live", work.resolve("events.jsonl"), pid, prefix, out, sinkDropped);
        Path replayed = work.resolve("replay.jsonl");
        ProbeProcess.Result replay = ProbeProcess.run(work.resolve("replay"), "replay", capture.toString(), "--subscribe", "all",
                "--sink", "jsonl:" + replayed);
        assertEquals("replay of the --write capture:\n" + replay.describe(), 0, replay.exitCode());
        checkChurnWrites("replay of --write", replayed, pid, prefix, out, 0);
    }

    /** Every 64-byte write of the churn workload whose enter came before it has its file. */
    private static void checkChurnWrites(String run, Path jsonl, long pid, String prefix, String log, long sinkDropped)
            throws IOException {
        int writes = 0;
        int withoutEnter = 0;
        List<String> unknown = new ArrayList<>();
        Map<String, Object> previous = null;
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            Map<String, Object> ev = Json.object(line);
            if (pid(ev) != pid) {
                continue;
            }
            // the churn's writes are of 64 bytes; its last line goes to its standard output
            if (exit(ev, "write") && res(ev) == 64) {
                if (previous == null || !"write".equals(previous.get("name")) || !"syscall_enter".equals(previous.get("source"))) {
                    withoutEnter++;
                } else {
                    writes++;
                    // the data starts with the name of the file the workload wrote to
                    String data = new String(java.util.Base64.getDecoder().decode(String.valueOf(attributes(ev).get("data"))),
                            StandardCharsets.UTF_8);
                    String written = prefix.substring(0, prefix.lastIndexOf('/') + 1) + data.substring(0, Math.max(0, data.indexOf(' ')));
                    if (ev.get("fd") == null || !filePath(ev).startsWith(prefix) || !filePath(ev).equals(written)) {
                        unknown.add("write to " + written + " at " + ev.get("timestamp") + ": fd " + ev.get("fd"));
                    }
                }
            }
            if (String.valueOf(ev.get("source")).startsWith("syscall_")) {
                previous = ev; // a context switch may come between a call's enter and its exit
            }
        }
        System.out.println("LIVE start gap, " + run + ": " + log.trim().replace('\n', ';') + "; the probe delivered " + writes
                + " writes with their enter, " + unknown.size() + " of them without their file or with another, " + withoutEnter
                + " exits without enter; the sink dropped " + sinkDropped);
        assertTrue(run + ": the probe read writes of the churn workload (" + writes + ")", writes > 100);
        assertTrue(run + ": at most one write in progress at the attach (and those the sink dropped, " + sinkDropped + "): "
                + withoutEnter, withoutEnter <= 1 + sinkDropped);
        assertEquals(run + ": writes whose file the probe did not know, or knew wrong (" + unknown.size() + ")", List.of(),
                unknown.subList(0, Math.min(10, unknown.size())));
    }

    // ---- checks of the workload's log against the probe's events

    private static int checkTcp(Entry e, List<Map<String, Object>> mine, List<String> problems) {
        long ct = e.number("client_tid");
        long st = e.number("server_tid");
        long sport = e.number("sport");
        long dport = e.number("dport");
        Predicate<Map<String, Object>> client = ev -> tid(ev) == ct && fdNum(ev) == e.number("client_fd") && port(ev, "sport") == sport
                && port(ev, "dport") == dport;
        Predicate<Map<String, Object>> server = ev -> tid(ev) == st && fdNum(ev) == e.number("server_fd")
                && port(ev, "sport") == sport && port(ev, "dport") == dport;
        int n = 0;
        n += expect(problems, "connect exit, client " + sport, mine, ev -> exit(ev, "connect") && client.test(ev)
                && latency(ev) > 0 && latency(ev) <= e.number("connect_ns"), 1);
        n += expect(problems, "write of the request, client " + sport, mine, ev -> exit(ev, "write") && client.test(ev)
                && res(ev) == e.number("client_sent"), 1);
        n += expect(problems, "conn_connect, client " + sport, mine, ev -> name(ev, "conn_connect") && client.test(ev), 1);
        n += expect(problems, "conn_accept, server side of " + sport, mine, ev -> name(ev, "conn_accept") && server.test(ev)
                && latency(ev) <= e.number("accept_ns"), 1);
        n += expect(problems, "conn_close with bytes, client " + sport, mine, ev -> name(ev, "conn_close") && client.test(ev)
                && attr(ev, "bytes_sent") == e.number("client_sent") && attr(ev, "bytes_received") == e.number("client_received"), 1);
        n += expect(problems, "conn_close with bytes, server side of " + sport, mine, ev -> name(ev, "conn_close") && server.test(ev)
                && attr(ev, "bytes_sent") == e.number("server_sent") && attr(ev, "bytes_received") == e.number("server_received"), 1);
        return n;
    }

    private static int checkFile(Entry e, List<Map<String, Object>> mine, List<String> problems) {
        String path = e.get("path");
        String op = e.get("op");
        return expect(problems, op + " of " + path, mine, ev -> exit(ev, op) && tid(ev) == e.number("tid")
                && fdNum(ev) == e.number("fd") && path.equals(filePath(ev)) && res(ev) == e.number("bytes")
                && latency(ev) > 0 && latency(ev) <= e.number("ns"), 1);
    }

    private static int checkUdp(Entry e, List<Map<String, Object>> mine, List<String> problems) {
        int n = 0;
        n += expect(problems, "sendto of the query", mine, ev -> exit(ev, "sendto") && tid(ev) == e.number("client_tid")
                && fdNum(ev) == e.number("client_fd") && res(ev) == e.number("client_sent")
                && port(ev, "dport") == e.number("server_port"), 1);
        n += expect(problems, "recvfrom of the query", mine, ev -> exit(ev, "recvfrom") && tid(ev) == e.number("server_tid")
                && fdNum(ev) == e.number("server_fd") && res(ev) == e.number("server_received"), 1);
        n += expect(problems, "recvfrom of the answer", mine, ev -> exit(ev, "recvfrom") && tid(ev) == e.number("client_tid")
                && fdNum(ev) == e.number("client_fd") && res(ev) == e.number("client_received"), 1);
        return n;
    }

    private static int checkFutex(Entry e, List<Map<String, Object>> mine, List<String> problems) {
        long waited = e.number("waited_ns");
        int n = expect(problems, "the futex wait", mine, ev -> exit(ev, "futex") && tid(ev) == e.number("tid")
                && latency(ev) > waited / 2 && latency(ev) <= waited, 1);
        n += expect(problems, "a cpu_event of the waiting thread", mine, ev -> name(ev, "cpu_event") && tid(ev) == e.number("tid"), 1);
        return n;
    }

    private static int expect(List<String> problems, String what, List<Map<String, Object>> events,
            Predicate<Map<String, Object>> match, int atLeast) {
        long n = events.stream().filter(ev -> {
            try {
                return match.test(ev);
            } catch (RuntimeException ex) {
                return false;
            }
        }).count();
        if (n < atLeast) {
            problems.add(what + ": " + n + " events, expected at least " + atLeast);
        }
        return (int) n;
    }

    @SuppressWarnings("unchecked")
    private static long pid(Map<String, Object> ev) {
        Object t = ev.get("thread");
        return t instanceof Map<?, ?> m ? ((Number) ((Map<String, Object>) m).get("pid")).longValue() : -1;
    }

    @SuppressWarnings("unchecked")
    private static long tid(Map<String, Object> ev) {
        return ((Number) ((Map<String, Object>) ev.get("thread")).get("tid")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static long fdNum(Map<String, Object> ev) {
        Object fd = ev.get("fd");
        return fd instanceof Map<?, ?> m ? ((Number) ((Map<String, Object>) m).get("num")).longValue() : -1;
    }

    @SuppressWarnings("unchecked")
    private static long port(Map<String, Object> ev, String key) {
        Object p = ((Map<String, Object>) ev.get("fd")).get(key);
        return p == null ? -1 : ((Number) p).longValue();
    }

    @SuppressWarnings("unchecked")
    private static String filePath(Map<String, Object> ev) {
        Map<String, Object> fd = (Map<String, Object>) ev.get("fd");
        return fd.get("directory") + "/" + fd.get("filename");
    }

    private static boolean name(Map<String, Object> ev, String name) {
        return name.equals(ev.get("name"));
    }

    /** Kindling's kernel TCP events do not pass through libsinsp: a --write capture does not hold them. */
    private static boolean isKernelTcpEvent(Map<String, Object> ev) {
        String name = String.valueOf(ev.get("name"));
        return LiveTcpEventsIT.KERNEL_SOURCES.containsKey(name) && LiveTcpEventsIT.isKernel(ev, name);
    }

    /** The exit of a system call, delivered under libsinsp's name of the call with source syscall_exit. */
    private static boolean exit(Map<String, Object> ev, String syscall) {
        return syscall.equals(ev.get("name")) && "syscall_exit".equals(ev.get("source"));
    }

    private static long latency(Map<String, Object> ev) {
        return ((Number) ev.get("latency")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static long res(Map<String, Object> ev) {
        return ((Number) ((Map<String, Object>) ev.get("attributes")).get("res")).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> attributes(Map<String, Object> ev) {
        return (Map<String, Object>) ev.get("attributes");
    }

    @SuppressWarnings("unchecked")
    private static long attr(Map<String, Object> ev, String key) {
        Object v = ((Map<String, Object>) ev.get("attributes")).get(key);
        return v == null ? -1 : ((Number) v).longValue();
    }
}

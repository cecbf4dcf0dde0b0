package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.ExamBundles;
import io.kindling.probe.itests.support.GeneratedCaptures;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code probe shell} as users run it: the exported shell.jar, as bin/probe starts it, with a data
 * folder under target/. A scripted session (commands on standard input) subscribes, shows the
 * subscriptions, replays, shows the figures and unsubscribes; the subscriptions are there after a
 * restart; bad commands give clear errors and exit status 2; a sink bundle dropped into deploy/
 * takes part at once and leaves when removed; a .cfg file in config/ configures it, and a wrong one
 * is refused with a log line while the previous configuration stays; the shell opens no listening
 * socket.
 */
public class ShellSessionIT {

    private static Path capture;
    private static long expectedConnects;

    @BeforeClass
    public static void generateCapture() throws Exception {
        capture = GeneratedCaptures.of("shell-http-30000.scap", Scenario.HTTP, 30_000, 11);
    }

    private static Path shellJar() {
        Path jar = TestEnvironment.probeJar().resolveSibling("shell.jar");
        assertTrue(jar + " is missing: build the project first", Files.isRegularFile(jar));
        return jar;
    }

    /** The java command of bin/probe shell for this data folder. */
    private static List<String> command(Path data, String... args) throws IOException {
        Files.createDirectories(data.resolve("deploy"));
        Files.createDirectories(data.resolve("config"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djna.nosys=true", "-Dkindling.data=" + data, "-Dlaunch.storage.dir=" + data.resolve("framework"),
                "-Dlaunch.keep=true", "-Dfelix.fileinstall.dir=" + data.resolve("deploy") + "," + data.resolve("config"),
                "-jar", shellJar().toString(), "shell", "--data", data.toString()));
        command.addAll(List.of(args));
        return command;
    }

    record Result(int exit, String out, String err) {}

    /** Runs a shell with this script on standard input. */
    private static Result script(Path data, String script, String... args) throws Exception {
        Path out = Files.createTempFile(data.getParent(), "out", ".txt");
        Path err = Files.createTempFile(data.getParent(), "err", ".txt");
        Process p = new ProcessBuilder(command(data, args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try (Writer w = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            w.write(script);
        }
        assertTrue("the shell ends at the end of its input", p.waitFor(2, TimeUnit.MINUTES));
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    public void scriptedSessionSubscribesReplaysAndUnsubscribesAndTheSubscriptionsStayAfterARestart() throws Exception {
        Path work = TestEnvironment.workDir("shell/session");
        Path data = work.resolve("data");
        Path events = work.resolve("events.jsonl");
        String script = String.join("\n",
                "# a scripted session: one command a line",
                "subscribe syscall_exit-connect",
                "subscribe syscall_exit-read net",
                "subscriptions",
                "open " + capture,
                "start --wait",
                "stats",
                "unsubscribe syscall_exit-read",
                "subscriptions",
                "") ;
        Result r = script(data, script, "--sink", "jsonl:" + events);
        String all = r.out() + "\n--- stderr\n" + r.err();
        assertEquals("exit status of the session:\n" + all, 0, r.exit());
        assertTrue(all, r.err().contains("sink jsonl created"));
        assertTrue(all, r.out().contains("jsonl: subscribed to syscall_exit-connect; its subscriptions: syscall_exit-connect\n"));
        assertTrue(all, r.out().contains("jsonl: subscribed to syscall_exit-read:net; its subscriptions: syscall_exit-connect, syscall_exit-read:net\n"));
        assertTrue(all, r.out().contains("jsonl: syscall_exit-connect, syscall_exit-read:net   [configuration io.kindling.probe.sink.jsonl"));
        assertTrue(all, r.out().contains("union pushed to the inspector's filter (sinks and active converters' needs): syscall_exit-connect, syscall_exit-read:net ["));
        assertTrue(all, r.out().contains("ended: " + capture + "\n"));
        long read = number(r.out(), "read (\\d+) \\(ended\\)");
        assertEquals("the capture's events are read", 30_000, read);
        long delivered = number(r.out(), "sink jsonl: delivered (\\d+), queued 0, dropped 0, failed 0");
        long dropped = number(r.out(), "dropped before copying: (\\d+),");
        long converted = number(r.out(), "converted (\\d+),");
        assertEquals("read = dropped + converted", read, dropped + converted);
        assertEquals("converted = delivered (one sink)", converted, delivered);
        assertTrue(all, r.out().contains("jsonl: its subscriptions: syscall_exit-connect\n"));
        assertTrue(all, r.out().contains("jsonl: syscall_exit-connect   [configuration"));

        List<String> lines = Files.readAllLines(events);
        assertEquals("the jsonl sink wrote what stats counts", delivered, lines.size());
        Set<String> names = new HashSet<>();
        for (String line : lines) {
            Map<String, Object> event = Json.object(line);
            names.add(event.get("source") + " " + event.get("name") + (event.get("name").equals("read") ? ":" + event.get("category") : ""));
        }
        assertEquals(Set.of("syscall_exit connect", "syscall_exit read:net"), names);
        expectedConnects = lines.stream().filter(l -> l.contains("\"name\":\"connect\"")).count();

        // a restart on the same data folder: the subscriptions are there, and apply to the next replay
        Files.delete(events);
        Result again = script(data, "subscriptions\nopen " + capture + "\nstart --wait\n");
        String all2 = again.out() + "\n--- stderr\n" + again.err();
        assertEquals(all2, 0, again.exit());
        assertFalse("no sink is created again:\n" + all2, again.err().contains("created"));
        assertTrue(all2, again.out().contains("jsonl: syscall_exit-connect   [configuration io.kindling.probe.sink.jsonl"));
        assertEquals(all2, expectedConnects, number(again.out(), "sink jsonl: delivered (\\d+),"));
        assertEquals(expectedConnects, Files.readAllLines(events).size());
    }

    @Test
    public void badCommandsGiveClearErrorsAndExitStatus2() throws Exception {
        Path work = TestEnvironment.workDir("shell/errors");
        Result r = script(work.resolve("data"), String.join("\n", "subscribe syscall_exit-reed", "subscribe syscall_exit-read nett",
                "subscribe --sink", "start", "unsubscribe", "suppress --remove", "open /no/such.scap",
                "unsubscribe syscall_exit-write", "subscribe --help", "frobnicate", "suppress a-process-name-too-long", "stats",
                ""), "--sink", "jsonl:" + work.resolve("e.jsonl"));
        String all = r.out() + "\n--- stderr\n" + r.err();
        assertEquals("a script with failed commands exits with 2:\n" + all, 2, r.exit());
        for (String expected : List.of(
                "probe: unknown event 'syscall_exit-reed'; nearest: syscall_exit-read",
                "probe: subscribe: unknown category 'nett'; categories are other, file, net",
                "probe: subscribe: --sink needs a value (SINK: the sink to subscribe; without it, the only sink)\n"
                        + "usage: subscribe NAME [CATEGORY] [--sink SINK]",
                "probe: start: no source; open FILE or live first",
                "probe: unsubscribe: missing argument\nusage: unsubscribe",
                "probe: suppress: --remove needs a value (COMM: takes a name off the list, from the next run on)\n"
                        + "usage: suppress [COMM] [--remove COMM]",
                "probe: open: /no/such.scap: no such file",
                "probe: unsubscribe: no sink is subscribed to syscall_exit-write",
                "probe: suppress: 'a-process-name-too-long' is not a process name")) {
            assertTrue("stderr has '" + expected + "':\n" + all, r.err().contains(expected));
        }
        assertTrue(all, r.out().contains("usage: subscribe NAME [CATEGORY] [--sink SINK]"));
        assertTrue(all, r.err().contains("frobnicate"));
        assertTrue("the session goes on after an error:\n" + all, r.out().contains("read 0"));
    }

    /** libs_curl_google.scap starts curl (execve): suppressed, its events are not read from then on. */
    @Test
    public void suppressKeepsAProcessOut() throws Exception {
        Path curl = TestEnvironment.capture("libs_curl_google.scap");
        Path work = TestEnvironment.workDir("shell/suppress");
        Path events = work.resolve("e.jsonl");
        Result r = script(work.resolve("data"), String.join("\n", "subscribe all", "open " + curl, "start --wait",
                "suppress curl", "suppress", "start --wait", ""), "--sink", "jsonl:" + events);
        String all = r.out() + "\n--- stderr\n" + r.err();
        assertEquals(all, 0, r.exit());
        Matcher reads = Pattern.compile("read (\\d+) \\(ended\\)").matcher(r.out());
        assertTrue(all, reads.find());
        long before = Long.parseLong(reads.group(1));
        assertTrue(all, reads.find());
        long after = Long.parseLong(reads.group(1));
        assertTrue(all, r.out().contains("suppressed: kindling-collec, containerd, dockerd, containerd-shim, curl\n"));
        assertTrue("curl's events are no longer read (" + before + " before, " + after + " after):\n" + all,
                after < before - 100);
    }

    /**
     * The engine ships Kindling's suppressed processes (its collector and the container runtime daemons):
     * {@code suppress} shows them, one is removed, and after a restart on the same data folder the
     * list is what was left, in the configuration and in the running engine.
     */
    @Test
    public void suppressionDefaultsAreShownRemovableAndPersisted() throws Exception {
        Path work = TestEnvironment.workDir("shell/suppress-defaults");
        Path data = work.resolve("data");
        Result first = script(data, String.join("\n", "suppress", "suppress --remove containerd", "suppress",
                "suppress --remove containerd", ""));
        String all = first.out() + "\n--- stderr\n" + first.err();
        assertEquals(all, 0, first.exit());
        assertTrue(all, first.out().contains("suppressed: kindling-collec, containerd, dockerd, containerd-shim\n"));
        assertTrue(all, first.out().contains("containerd is no longer suppressed, from the next run on\n"));
        assertTrue(all, first.out().contains("suppressed: kindling-collec, dockerd, containerd-shim\n"));
        assertTrue(all, first.out().contains("containerd is not suppressed\n"));

        Result again = script(data, String.join("\n", "suppress", "suppress --remove kindling-collec",
                "suppress --remove dockerd", "suppress --remove containerd-shim", "suppress", ""));
        String all2 = again.out() + "\n--- stderr\n" + again.err();
        assertEquals(all2, 0, again.exit());
        assertTrue("the removal is kept after a restart:\n" + all2,
                again.out().contains("suppressed: kindling-collec, dockerd, containerd-shim\n"));
        assertTrue("every default can be removed:\n" + all2, again.out().contains("no process is suppressed\n"));

        Result third = script(data, String.join("\n", "suppress", ""));
        assertTrue("an emptied list stays empty (the defaults do not come back):\n" + third.out(),
                third.out().contains("no process is suppressed\n"));
    }

    /** A shell on standard input that the test feeds line by line, reading what it prints. */
    static final class LiveShell implements AutoCloseable {
        private static final String END = "end-of-command-7f3a";
        final Process process;
        private final Writer in;
        private final BlockingQueue<String> out = new LinkedBlockingQueue<>();
        final List<String> err = java.util.Collections.synchronizedList(new ArrayList<>());

        LiveShell(List<String> command) throws IOException {
            process = new ProcessBuilder(command).start();
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), out::add);
            pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), err::add);
        }

        private static void pump(BufferedReader reader, java.util.function.Consumer<String> sink) {
            Thread t = new Thread(() -> {
                try {
                    for (String line; (line = reader.readLine()) != null;) {
                        sink.accept(line);
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "shell-output");
            t.setDaemon(true);
            t.start();
        }

        /** Runs a command and returns its output (Gogo's echo marks its end). */
        String run(String command) throws Exception {
            in.write(command + "\necho " + END + "\n");
            in.flush();
            StringBuilder b = new StringBuilder();
            while (true) {
                String line = out.poll(2, TimeUnit.MINUTES);
                assertTrue("output of '" + command + "'; stderr: " + err, line != null);
                if (line.equals(END)) {
                    return b.toString();
                }
                b.append(line).append('\n');
            }
        }

        /** Runs the command again until its output satisfies the condition (at most 20 s). */
        String until(String command, Predicate<String> condition, String what) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String output;
            while (!condition.test(output = run(command))) {
                assertTrue(what + "; last output of '" + command + "':\n" + output + "\nstderr: " + err, System.nanoTime() < deadline);
                Thread.sleep(200);
            }
            return output;
        }

        @Override
        public void close() throws Exception {
            in.write("exit\n");
            in.flush();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    public void aSinkBundleDroppedIntoDeployTakesPartAndAConfigFileConfiguresIt() throws Exception {
        Path work = TestEnvironment.workDir("shell/deploy");
        Path data = work.resolve("data");
        Path deployed = data.resolve("deploy").resolve("example-sink.jar");
        Path cfg = data.resolve("config").resolve("io.kindling.probe.sink.example.cfg");
        try (LiveShell shell = new LiveShell(command(data, "--sink", "jsonl:" + work.resolve("e.jsonl")))) {
            assertFalse(shell.run("sinks").contains("example"));
            assertEquals("the shell listens on no socket", List.of(), listeningSockets(shell.process.pid()));

            Files.copy(ExamBundles.path("bundle.probe.sink.example"), deployed);
            shell.until("sinks", o -> o.contains("example  bundle io.kindling.probe.sink.example"), "the example sink takes part");
            assertTrue(shell.run("subscriptions").contains("example: syscall_exit-connect, syscall_exit-accept   [component properties]"));

            Files.writeString(cfg, "kindling.subscriptions=syscall_exit-reed\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (shell.err.stream().noneMatch(l -> l.contains("sink example: subscriptions refused: unknown event 'syscall_exit-reed'"))) {
                assertTrue("a log line refuses the wrong configuration: " + shell.err, System.nanoTime() < deadline);
                Thread.sleep(100);
            }
            assertTrue("the previous subscriptions stay", shell.run("subscriptions")
                    .contains("example: syscall_exit-connect, syscall_exit-accept   [configuration io.kindling.probe.sink.example]"));

            Files.writeString(cfg, "kindling.subscriptions=syscall_exit-read,syscall_exit-write\n");
            shell.until("subscriptions", o -> o.contains("example: syscall_exit-read, syscall_exit-write   [configuration"),
                    "the config file's subscriptions apply");
            shell.run("open " + capture);
            String replay = shell.run("start --wait");
            long delivered = number(replay, "sink example: delivered (\\d+), queued 0, dropped 0, failed 0");
            assertTrue(replay, delivered > 1000);

            Files.delete(deployed);
            shell.until("sinks", o -> !o.contains("example"), "the example sink leaves when its jar is removed");
            String after = shell.run("start --wait");
            assertFalse("no event goes to a sink that is gone:\n" + after, after.contains("sink example:"));
        }
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue("'" + regex + "' in:\n" + text, m.find());
        return Long.parseLong(m.group(1));
    }

    /** Listening TCP sockets (IPv4 and IPv6) of a process, from /proc. */
    private static List<String> listeningSockets(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path fd : fds.collect(Collectors.toList())) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        List<String> listening = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).collect(Collectors.toList())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    listening.add(table + " " + f[1]);
                }
            }
        }
        return listening;
    }
}

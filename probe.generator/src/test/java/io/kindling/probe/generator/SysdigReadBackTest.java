package io.kindling.probe.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generates every scenario with three seeds (a request scenario with one) and reads the capture back with
 * Debian's sysdig (libsinsp), checking that every event comes back, per type, with the process, user and fd
 * state the generator meant, and that every line of a request log names an event sysdig shows. Skipped when
 * /usr/bin/sysdig is not installed.
 */
class SysdigReadBackTest {

    static final Path SYSDIG = Path.of("/usr/bin/sysdig");
    static final int EVENTS = 20_000;
    static final String FORMAT = "*%evt.num|%evt.cpu|%evt.type|%evt.dir|%proc.name|%proc.pid|%thread.tid|%user.name"
            + "|%proc.exe|%fd.name|%evt.res|%proc.args";

    static final Pattern TCP4 = Pattern.compile("127\\.0\\.0\\.1:\\d{5}->127\\.0\\.0\\.1:8080");
    static final Pattern TCP6 = Pattern.compile("::1:\\d{5}->::1:8080");
    static final Pattern DNS = Pattern.compile("127\\.0\\.0\\.1:\\d{5}->127\\.0\\.0\\.53:53");
    static final Pattern TMP_FILE = Pattern.compile("/tmp/\\.api\\.toml\\d{9}");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireSysdig() {
        Assumptions.assumeTrue(Files.isExecutable(SYSDIG),
                "skipped: " + SYSDIG + " is not installed (apt-get install sysdig) - nothing to read the captures back with");
    }

    static Stream<Arguments> scenariosAndSeeds() {
        List<Arguments> all = new ArrayList<>();
        for (Scenario s : Scenario.values()) {
            // the request scenarios, which GeneratedRequestsTest replays too, with one seed each
            for (long seed : s.ordinal() > Scenario.JAVA.ordinal() ? new long[] {42} : new long[] {1, 42, 20220316}) {
                all.add(Arguments.of(s, seed));
            }
        }
        return all.stream();
    }

    /** One line of sysdig output split into the fields of {@link #FORMAT}. */
    record Row(long num, int cpu, String type, String dir, String proc, String pid, String tid, String user,
            String exe, String fd, String res, String args) {

        static Row parse(String line) {
            String[] f = line.split("\\|", 12);
            assertEquals(12, f.length, () -> "unexpected sysdig line: " + line);
            return new Row(Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4], f[5], f[6], f[7], f[8],
                    f[9], f[10], f[11].trim());
        }
    }

    static List<Row> readBack(Path capture, Path stderr) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(SYSDIG.toString(), "-r", capture.toString(), "-p", FORMAT)
                .redirectError(stderr.toFile()).start();
        List<Row> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                rows.add(Row.parse(line));
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "sysdig did not finish");
        assertEquals(0, p.exitValue(), () -> "sysdig failed: " + read(stderr));
        assertEquals("", read(stderr).trim(), "sysdig reported problems on stderr");
        return rows;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("scenariosAndSeeds")
    void sysdigReadsBackEveryEvent(Scenario scenario, long seed) throws Exception {
        Path capture = dir.resolve(scenario.cliName() + "-" + seed + ".scap");
        GenerationSummary summary = CaptureGenerator.generate(scenario, EVENTS, seed, capture, null);
        assertEquals(EVENTS, summary.events());
        assertEquals(Files.size(capture), summary.bytes());

        List<Row> rows = readBack(capture, dir.resolve("stderr.txt"));

        // every event, in order, with the same per type counts as the generator reports
        assertEquals(EVENTS, rows.size(), "events printed by sysdig");
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i + 1, rows.get(i).num(), "evt.num");
        }
        Map<String, Long> byType = new TreeMap<>();
        long enter = 0;
        for (Row r : rows) {
            byType.merge(r.type(), 1L, Long::sum);
            enter += r.dir().equals(">") ? 1 : 0;
        }
        assertEquals(summary.countsByType(), byType, "events per type");
        assertEquals(summary.enterEvents(), enter, "enter events");

        // process table: identities come from the process list block
        for (Row r : rows) {
            if (r.proc().equals("api-server")) {
                assertEquals("1187", r.pid());
                assertEquals("www-data", r.user());
                assertEquals("/usr/local/bin/api-server", r.exe());
                assertEquals("--listen 0.0.0.0:8080 --listen [::]:8080 --workers 2", r.args());
            } else if (r.proc().equals("confd")) {
                assertEquals("1402", r.pid());
                assertEquals("confd", r.user());
            } else if (r.proc().equals("python3") && r.pid().equals("1650")) {
                assertEquals("1650", r.pid());
                assertEquals("deploy", r.user());
                assertTrue(r.args().startsWith("/opt/monitor/health_probe.py"), r.args());
            } else if (r.proc().equals("ffmpeg")) {
                assertEquals("2750", r.pid());
            } else if (r.proc().equals("java")) {
                assertEquals(Scenario.JAVA, scenario);
                assertEquals("3300", r.pid());
                assertEquals("www-data", r.user());
                assertTrue(r.args().startsWith("-javaagent:"), r.args());
            } else if (r.pid().matches("\\d+") && Long.parseLong(r.pid()) >= 4000) {
                // a request workload's client or server: pids 4000 and up, 100 apart per workload
                assertTrue(scenario.logsRequests(), "a workload's process in " + scenario);
                assertTrue(Long.parseLong(r.pid()) % 100 < 20 && Long.parseLong(r.tid()) - Long.parseLong(r.pid()) < 10,
                        "pid " + r.pid() + " tid " + r.tid());
                assertTrue(!r.user().isEmpty() && !r.user().equals("<NA>") && !r.exe().isEmpty() && !r.exe().equals("<NA>"),
                        r.toString());
            } else if (!r.proc().equals("<NA>")) {
                assertTrue(r.proc().matches("hey|systemd-resolve|rs:main Q:Reg"), "unexpected process " + r.proc());
            } else {
                // only the idle task (tid 0) has no process entry
                assertEquals("switch", r.type());
                assertEquals("0", r.tid());
            }
            assertTrue(r.cpu() == 0 || r.cpu() == 1, "cpu");
        }

        switch (scenario) {
            case HTTP:
                assertHttp(rows);
                assertEquals(0, summary.count("switch"));
                break;
            case FILES:
                assertFiles(rows);
                assertEquals(0, summary.count("switch"));
                break;
            case SCHED:
                assertSched(rows);
                break;
            case MIXED:
                assertHttp(rows);
                assertFiles(rows);
                assertSched(rows);
                break;
            case JAVA:
                assertJava(rows, CaptureGenerator.markerLog(capture));
                break;
            case REQUESTS:
                assertHttp(rows);
                break;
            default:
                assertTrue(scenario.logsRequests(), "a request scenario: " + scenario);
                break;
        }
        if (scenario.logsRequests()) {
            assertRequestLog(capture, summary, dir.resolve("stderr.txt"));
        }
        assertTrue(summary.failedCalls() > 0, "some calls fail");
        assertTrue(rows.stream().anyMatch(r -> r.res().equals("EAGAIN")) || scenario == Scenario.FILES, "EAGAIN results");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tinyCaptures")
    void tinyCapturesAreReadable(Scenario scenario, long events) throws Exception {
        Path capture = dir.resolve("tiny.scap");
        CaptureGenerator.generate(scenario, events, 3, capture, null);
        assertEquals(events, readBack(capture, dir.resolve("stderr.txt")).size());
    }

    static Stream<Arguments> tinyCaptures() {
        List<Arguments> all = new ArrayList<>();
        for (Scenario s : Scenario.values()) {
            for (long n : s.ordinal() > Scenario.JAVA.ordinal() ? new long[] {2} : new long[] {1, 2, 3}) {
                all.add(Arguments.of(s, n));
            }
        }
        return all.stream();
    }

    private static void assertHttp(List<Row> rows) {
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("accept") && r.dir().equals("<")
                && r.proc().equals("api-server") && TCP4.matcher(r.fd()).matches()), "IPv4 accept with tuple");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("accept") && r.dir().equals("<")
                && TCP6.matcher(r.fd()).matches()), "IPv6 accept with tuple");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("connect") && r.dir().equals("<")
                && r.proc().equals("hey") && TCP4.matcher(r.fd()).matches()), "client connect with tuple");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("read") && r.dir().equals("<")
                && r.proc().equals("api-server") && TCP4.matcher(r.fd()).matches()), "server reads the request");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("sendto") && r.proc().equals("api-server")
                && TCP6.matcher(r.fd()).matches()), "server answers over IPv6");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("write") && r.proc().equals("api-server")
                && r.fd().equals("/var/log/api-server/access.log")), "access log on stdout");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("sendto") && r.proc().equals("python3")
                && DNS.matcher(r.fd()).matches()), "DNS query over UDP");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("recvfrom") && r.proc().equals("systemd-resolve")
                && DNS.matcher(r.fd()).matches()), "resolver receives the query");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("epoll_wait") && r.proc().equals("api-server")),
                "server waits in epoll_wait");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("futex") && r.proc().equals("api-server")
                && !r.tid().equals("1187")), "worker threads take a futex");
    }

    /**
     * Every line of the request log names an event sysdig shows: at the line's timestamp, of its process, thread
     * and fd; an answered request's last call is a read or write exit that moved bytes, an unanswered one ends at
     * a close's enter (or, where the capture ends first, at the connection's last read or write), a refused connect
     * is a connect's exit with an error.
     */
    private static void assertRequestLog(Path capture, GenerationSummary summary, Path stderr) throws Exception {
        Process p = new ProcessBuilder(SYSDIG.toString(), "-r", capture.toString(), "-p",
                "*%evt.rawtime|%proc.pid|%thread.tid|%fd.num|%evt.type|%evt.dir|%evt.rawres").redirectError(stderr.toFile()).start();
        Map<String, List<String[]>> byTime = new java.util.HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("\\|");
                byTime.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f);
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "sysdig did not finish");
        List<String> log = Files.readAllLines(CaptureGenerator.requestLog(capture));
        assertEquals(summary.requests(), log.size(), "lines of the request log");
        assertTrue(log.size() > 50, "requests logged: " + log.size());
        Map<String, Long> outcomes = new TreeMap<>();
        for (String line : log) {
            String[] f = line.split("\t");
            String outcome = line.replaceAll(".*\terror_type=([A-Za-z]+).*", "$1");
            outcomes.merge(outcome, 1L, Long::sum);
            List<String[]> at = byTime.getOrDefault(f[0], List.of());
            assertEquals(1, at.size(), "one event at " + line);
            String[] e = at.get(0);
            assertEquals(List.of(f[1], f[2], f[3]), List.of(e[1], e[2], e[3]), "pid, tid, fd of " + line);
            switch (outcome) {
                case "NoError" -> {
                    assertEquals("<", e[5], line);
                    assertTrue(e[4].matches("read|write|recvfrom|sendto") && Long.parseLong(e[6]) > 0, line);
                }
                case "NoResponse" -> assertTrue(e[4].equals("close") && e[5].equals(">")
                        || e[4].matches("read|write|recvfrom|sendto") && Long.parseLong(e[6]) > 0, line);
                case "ConnectFail" -> assertTrue(e[4].equals("connect") && e[5].equals("<") && Long.parseLong(e[6]) < 0, line);
                default -> throw new AssertionError(line);
            }
        }
        assertTrue(outcomes.getOrDefault("NoError", 0L) > log.size() / 2, outcomes.toString());
    }

    private static void assertFiles(List<Row> rows) {
        for (String path : new String[] {"/var/log/syslog", "/etc/hosts", "/etc/confd/conf.d/api.toml"}) {
            assertTrue(rows.stream().anyMatch(r -> r.fd().equals(path)), "fd " + path);
        }
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("openat") && r.dir().equals("<")
                && TMP_FILE.matcher(r.fd()).matches()), "staged file in /tmp");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("fstat") && r.fd().startsWith("/")), "fstat on a file");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("openat") && r.res().equals("EACCES")), "EACCES");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("openat") && r.res().equals("ENOENT")), "ENOENT");
    }

    /** The marker writes are writes of the Java threads to /dev/null, one per line of the marker log. */
    private static void assertJava(List<Row> rows, Path markerLog) throws IOException {
        long writes = rows.stream().filter(r -> r.proc().equals("java") && r.type().equals("write") && r.dir().equals("<")
                && r.fd().equals("/dev/null")).count();
        List<String> log = Files.readAllLines(markerLog);
        assertEquals(writes, log.size(), "marker writes and lines of the marker log");
        assertTrue(log.size() > 100, "markers: " + log.size());
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("switch")), "context switches");
        assertTrue(rows.stream().anyMatch(r -> r.proc().equals("java") && r.type().equals("accept")
                && r.fd().matches("127\\.0\\.0\\.1:\\d{5}->127\\.0\\.0\\.1:8090")), "accepted connections");
    }

    private static void assertSched(List<Row> rows) {
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("switch") && r.cpu() == 0), "switches on cpu 0");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("switch") && r.cpu() == 1), "switches on cpu 1");
        assertTrue(rows.stream().anyMatch(r -> r.type().equals("futex") && r.proc().equals("ffmpeg")), "ffmpeg futex");
    }
}

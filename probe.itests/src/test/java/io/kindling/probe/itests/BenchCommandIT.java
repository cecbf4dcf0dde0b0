package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.GenerationSummary;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.RunSummary;
import io.kindling.probe.itests.support.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * {@code probe bench} through the real command, on a generated capture, with every event subscribed
 * and with the read events only: it runs two warm-up rounds and the asked rounds of each mode
 * alternately, both modes read the whole capture and pass exactly the events that {@code probe
 * replay} delivers with the same subscriptions, and the last line, alone on standard output, gives
 * the medians of the counted rounds and their ratio. Nothing here depends on how fast the machine is.
 */
public class BenchCommandIT {

    private static final int EVENTS = 200_000;
    private static final int ROUNDS = 3;

    private static final Pattern RESULT = Pattern.compile(
            "^events=(\\d+) delivered=(\\d+) raw=(\\d+)/s pipeline=(\\d+)/s ratio=(\\d+\\.\\d{3}) heap_peak=(\\d+)MB rss_peak=(\\d+)MB$");
    private static final Pattern ROUND = Pattern.compile(
            "^(warm-up|round \\d+)\\s+(raw|pipeline)\\s+([\\d,]+) events read, ([\\d,]+) (passed|delivered), [\\d.]+ s, ([\\d,]+) events/s$");

    private record Round(String label, String mode, long read, long passed, long rate) {}

    private static long number(String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }

    private static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    @Test
    public void benchPassesWhatReplayDeliversAndReportsTheMedians() throws Exception {
        Path work = TestEnvironment.workDir("bench");
        Path capture = work.resolve("mixed.scap");
        Files.createDirectories(work);
        CaptureGenerator.generate(Scenario.MIXED, EVENTS, 11, capture);
        check(work.resolve("all"), capture, List.of("--subscribe", "all"));
        check(work.resolve("read"), capture,
                List.of("--subscribe", "syscall_enter-read", "--subscribe", "syscall_exit-read"));
    }

    /**
     * A subscription to an event that a converter makes ({@code net_request}): the raw loop passes what the request
     * converter reads, and the pipeline delivers the requests that {@code probe replay} delivers.
     */
    @Test
    public void benchOfRequestsPassesWhatTheirConverterReads() throws Exception {
        Path work = TestEnvironment.workDir("bench-requests");
        Path capture = work.resolve("http.scap");
        Files.createDirectories(work);
        CaptureGenerator.generate(Scenario.HTTP, 50_000, 11, capture);
        ProbeProcess.Result replay = ProbeProcess.run(work.resolve("replay"), "replay", capture.toString(), "--subscribe", "net_request",
                "--sink", "jsonl");
        assertEquals("replay:\n" + replay.describe(), 0, replay.exitCode());
        long requests = replay.stdoutLines().size();
        assertTrue("the generated HTTP requests are analysed: " + requests, requests > 1000);
        ProbeProcess.Result bench = ProbeProcess.run(work.resolve("bench"), "bench", capture.toString(), "--subscribe", "net_request",
                "--rounds", "1");
        System.out.println("BENCH [net_request]: " + String.join(" | ", bench.stderr()) + " || " + String.join(" ", bench.stdoutLines()));
        assertEquals("bench:\n" + bench.describe(), 0, bench.exitCode());
        for (String line : bench.stderr()) {
            Matcher m = ROUND.matcher(line);
            assertTrue("every line on standard error is a round: " + line, m.matches());
            if (m.group(2).equals("raw")) {
                assertTrue("the raw loop passes the reads and writes the converter needs: " + line, number(m.group(4)) > requests);
            } else {
                assertEquals("the pipeline delivers the requests replay delivers: " + line, requests, number(m.group(4)));
            }
        }
        assertTrue(RESULT.matcher(bench.stdoutLines().get(0)).matches());
    }

    /**
     * Known truth at the bench's scale: on a generated capture of every request workload (HTTP, DNS, Redis, MySQL,
     * PostgreSQL, Kafka) the pipeline makes exactly the requests the generator logged, in every round.
     */
    @Test
    public void benchOfGeneratedRequestsMakesEveryLoggedRequest() throws Exception {
        Path work = TestEnvironment.workDir("bench-generated-requests");
        Path capture = work.resolve("requests.scap");
        Files.createDirectories(work);
        GenerationSummary generated = CaptureGenerator.generate(Scenario.REQUESTS, 60_000, 5, capture);
        long logged = Files.readAllLines(CaptureGenerator.requestLog(capture)).size();
        assertEquals("the summary counts the log's lines", generated.requests(), logged);
        assertTrue("requests logged: " + logged, logged > 1000);
        ProbeProcess.Result bench = ProbeProcess.run(work.resolve("bench"), "bench", capture.toString(), "--subscribe", "net_request",
                "--rounds", "1");
        System.out.println("BENCH [generated requests, " + logged + " logged]: " + String.join(" | ", bench.stderr()) + " || "
                + String.join(" ", bench.stdoutLines()));
        assertEquals("bench:\n" + bench.describe(), 0, bench.exitCode());
        int pipelineRounds = 0;
        for (String line : bench.stderr()) {
            Matcher m = ROUND.matcher(line);
            assertTrue("every line on standard error is a round: " + line, m.matches());
            if (m.group(2).equals("pipeline")) {
                pipelineRounds++;
                assertEquals("each pipeline round makes every logged request: " + line, logged, number(m.group(4)));
            }
        }
        assertEquals("two warm-up rounds and one counted", 3, pipelineRounds);
        Matcher m = RESULT.matcher(bench.stdoutLines().get(0));
        assertTrue(bench.stdoutLines().get(0), m.matches());
        assertEquals("the result line's delivered", logged, Long.parseLong(m.group(2)));
    }

    private static void check(Path work, Path capture, List<String> subscriptions) throws Exception {
        List<String> replayArgs = new ArrayList<>(List.of("replay", capture.toString()));
        replayArgs.addAll(subscriptions);
        replayArgs.addAll(List.of("--sink", "jsonl"));
        ProbeProcess.Result replay = ProbeProcess.run(work.resolve("replay"), replayArgs.toArray(new String[0]));
        assertEquals("replay:\n" + replay.describe(), 0, replay.exitCode());
        RunSummary summary = RunSummary.parse(replay.stderr());
        assertNotNull("replay summary:\n" + replay.describe(), summary);
        long delivered = summary.delivered().get("jsonl");
        assertEquals("jsonl lines", delivered, replay.stdoutLines().size());
        assertEquals(EVENTS, summary.read());

        List<String> benchArgs = new ArrayList<>(List.of("bench", capture.toString()));
        benchArgs.addAll(subscriptions);
        benchArgs.addAll(List.of("--rounds", String.valueOf(ROUNDS)));
        ProbeProcess.Result bench = ProbeProcess.run(work.resolve("bench"), benchArgs.toArray(new String[0]));
        System.out.println("BENCH " + subscriptions + ": " + String.join(" | ", bench.stderr()) + " || "
                + String.join(" ", bench.stdoutLines()));
        assertEquals("bench:\n" + bench.describe(), 0, bench.exitCode());
        assertEquals("no stack trace:\n" + bench.describe(), List.of(), bench.stackTraceLines());

        List<Round> rounds = new ArrayList<>();
        for (String line : bench.stderr()) {
            Matcher m = ROUND.matcher(line);
            assertTrue("every line on standard error is a round: " + line, m.matches());
            assertEquals("raw rounds pass, pipeline rounds deliver: " + line,
                    m.group(2).equals("raw") ? "passed" : "delivered", m.group(5));
            rounds.add(new Round(m.group(1), m.group(2), number(m.group(3)), number(m.group(4)), number(m.group(6))));
        }
        int warmUps = 2;
        assertEquals("two warm-up rounds and " + ROUNDS + " counted rounds of each mode", 2 * (warmUps + ROUNDS), rounds.size());
        List<Long> raw = new ArrayList<>();
        List<Long> pipeline = new ArrayList<>();
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            int n = i / 2 - warmUps + 1;
            assertEquals("round " + i, n <= 0 ? "warm-up" : "round " + n, r.label());
            assertEquals("the modes alternate, raw first", i % 2 == 0 ? "raw" : "pipeline", r.mode());
            assertEquals("each round reads the whole capture", EVENTS, r.read());
            assertEquals("each round passes what replay delivers", delivered, r.passed());
            assertTrue("a rate is measured", r.rate() > 0);
            if (n > 0) {
                (r.mode().equals("raw") ? raw : pipeline).add(r.rate());
            }
        }

        List<String> out = bench.stdoutLines();
        assertEquals("one line on standard output: " + out, 1, out.size());
        Matcher m = RESULT.matcher(out.get(0));
        assertTrue("the result line: " + out.get(0), m.matches());
        assertEquals(EVENTS, Long.parseLong(m.group(1)));
        assertEquals("the result line gives what the pipeline delivered", delivered, Long.parseLong(m.group(2)));
        long r = Long.parseLong(m.group(3));
        long p = Long.parseLong(m.group(4));
        // the rounds print rounded rates: the medians agree within that rounding
        assertEquals("raw is the median of the counted raw rounds", median(raw), r, 1.0);
        assertEquals("pipeline is the median of the counted pipeline rounds", median(pipeline), p, 1.0);
        assertEquals("ratio is pipeline / raw", (double) p / r, Double.parseDouble(m.group(5)), 0.0011);
        assertTrue("a heap peak is given", Long.parseLong(m.group(6)) > 0);
        assertTrue("the resident peak holds the heap's", Long.parseLong(m.group(7)) >= Long.parseLong(m.group(6)));
    }
}

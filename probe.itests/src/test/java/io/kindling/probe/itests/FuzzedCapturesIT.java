package io.kindling.probe.itests;

import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.Test;

/**
 * Damaged copies of the real captures (cut at random offsets, random bytes changed; the random
 * generator has a fixed seed, so every run makes the same copies, kept under target/itests/fuzz),
 * each replayed by the real command {@code java -jar probe.jar replay F --subscribe all --sink jsonl} (with the JIT's
 * first tier only: what the command answers is checked, not its speed).
 * Every run must end cleanly (exit 0) or as bad input (exit 2, with one message line besides the
 * summary); never with a crash: no other exit status, no JVM crash log, no Java stack trace, no
 * hang, and whatever reached standard output is complete JSON lines.
 */
public class FuzzedCapturesIT {

    /** Copies, and the generator's seed (system properties kindling.fuzz.copies, kindling.fuzz.seed). */
    private static final int COPIES = TestEnvironment.intProperty("kindling.fuzz.copies", 200);
    private static final long SEED = TestEnvironment.longProperty("kindling.fuzz.seed", 20261125L);
    /** Processes at a time. */
    private static final int PARALLEL = 2;

    private enum Damage { CUT, FLIP, FLIP_AND_CUT }

    private record Copy(int index, String source, Damage damage, String detail, Path file) {}

    private record Outcome(Copy copy, ProbeProcess.Result run, List<String> problems) {}

    @Test
    public void damagedCapturesEndCleanlyOrAsBadInput() throws Exception {
        List<Path> captures = TestEnvironment.captures();
        ProbeProcess.probeJar();
        Path work = TestEnvironment.workDir("fuzz");
        Path cases = Files.createDirectories(work.resolve("cases"));

        List<Copy> copies = makeCopies(captures, cases);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        List<Future<Outcome>> futures = new ArrayList<>();
        try {
            for (Copy copy : copies) {
                futures.add(pool.submit(() -> replay(copy, work.resolve(String.format("run-%03d", copy.index())))));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                outcomes.add(f.get());
            }
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            report(outcomes, elapsedMillis, work);
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<Copy> makeCopies(List<Path> captures, Path cases) throws IOException {
        Random random = new Random(SEED);
        List<byte[]> originals = new ArrayList<>();
        for (Path c : captures) {
            originals.add(Files.readAllBytes(c));
        }
        List<Copy> copies = new ArrayList<>();
        for (int i = 0; i < COPIES; i++) {
            int which = i % captures.size();
            byte[] original = originals.get(which);
            Damage damage = Damage.values()[(i / captures.size()) % Damage.values().length];
            byte[] bytes = original.clone();
            StringBuilder detail = new StringBuilder();
            if (damage != Damage.CUT) {
                int flips = 1 + random.nextInt(8);
                detail.append("changed bytes at");
                for (int f = 0; f < flips; f++) {
                    // Half of the changes in the last third of the file, where the events are.
                    int offset = random.nextBoolean() ? random.nextInt(bytes.length)
                            : bytes.length - 1 - random.nextInt(Math.max(1, bytes.length / 3));
                    bytes[offset] ^= (byte) (1 + random.nextInt(255));
                    detail.append(' ').append(offset);
                }
            }
            if (damage != Damage.FLIP) {
                int length = 1 + random.nextInt(bytes.length - 1);
                bytes = Arrays.copyOf(bytes, length);
                detail.append(detail.length() == 0 ? "" : "; ").append("cut to ").append(length).append(" of ")
                        .append(original.length).append(" bytes");
            }
            String source = captures.get(which).getFileName().toString();
            Path file = cases.resolve(String.format("%03d-%s-%s", i, damage.name().toLowerCase(), source));
            Files.write(file, bytes);
            copies.add(new Copy(i, source, damage, detail.toString(), file));
        }
        return copies;
    }

    private static Outcome replay(Copy copy, Path dir) throws Exception {
        ProbeProcess.Result run = ProbeProcess.runBrief(dir, "replay", copy.file().toString(), "--subscribe", "all", "--sink", "jsonl");
        List<String> problems = new ArrayList<>();
        if (run.hung()) {
            problems.add("did not end within " + ProbeProcess.HANG_LIMIT_SECONDS + " s (killed)");
        } else if (run.exitCode() != 0 && run.exitCode() != 2) {
            problems.add("exit status " + run.exitCode() + (run.exitCode() >= 128 ? " (killed by signal "
                    + (run.exitCode() - 128) + ")" : ""));
        }
        if (!run.crashLogs().isEmpty()) {
            problems.add("JVM crash log " + run.crashLogs());
        }
        if (!run.stackTraceLines().isEmpty()) {
            problems.add("stack trace on standard error: " + run.stackTraceLines().get(0));
        }
        if (run.exitCode() == 2) {
            List<String> messages = run.messageLines();
            if (messages.size() != 1 || !messages.get(0).startsWith("probe: ") || messages.get(0).length() <= "probe: ".length()) {
                problems.add("exit 2 with " + messages.size() + " message lines instead of one: " + messages);
            }
        }
        List<String> lines = run.stdoutLines();
        for (int i = 0; i < lines.size(); i++) {
            try {
                Map<String, Object> event = Json.object(lines.get(i));
                if (!(event.get("name") instanceof String)) {
                    problems.add("stdout line " + (i + 1) + " has no name: " + lines.get(i));
                    break;
                }
            } catch (IOException e) {
                problems.add("stdout line " + (i + 1) + " is not a complete JSON object: " + e.getMessage());
                break;
            }
        }
        return new Outcome(copy, run, problems);
    }

    private static void report(List<Outcome> outcomes, long elapsedMillis, Path work) throws IOException {
        Map<String, Integer> byExit = new TreeMap<>();
        Map<String, Integer> messages = new TreeMap<>();
        List<String> lines = new ArrayList<>();
        List<Outcome> failed = new ArrayList<>();
        for (Outcome o : outcomes) {
            String exit = o.run().hung() ? "hung" : "exit " + o.run().exitCode();
            byExit.merge(exit, 1, Integer::sum);
            if (o.run().exitCode() == 2 && !o.run().messageLines().isEmpty()) {
                messages.merge(shape(o.run().messageLines().get(0)), 1, Integer::sum);
            }
            lines.add(String.format("%03d %-36s %-13s %-8s stdout %4d lines  %s%s  | %s", o.copy().index(), o.copy().source(),
                    o.copy().damage(), exit, lineCount(o.run().stdout()), o.copy().detail(),
                    o.problems().isEmpty() ? "" : "  PROBLEMS " + o.problems(),
                    String.join(" / ", o.run().messageLines())));
            if (!o.problems().isEmpty()) {
                failed.add(o);
            }
        }
        String summary = String.format("FUZZ %d copies (seed %d), %d processes at a time: %s; %d with problems; %.1f s in all",
                outcomes.size(), SEED, PARALLEL, byExit, failed.size(), elapsedMillis / 1000.0);
        lines.add(0, summary);
        lines.add("exit-2 messages by kind: " + messages);
        Files.write(work.resolve("summary.txt"), lines);
        System.out.println(summary);
        System.out.println("FUZZ exit-2 messages by kind: " + messages);
        if (!failed.isEmpty()) {
            StringBuilder b = new StringBuilder(summary).append(" (details in ").append(work.resolve("summary.txt")).append(")");
            failed.stream().limit(10).forEach(o -> b.append("\n  ").append(o.copy().file().getFileName()).append(" (")
                    .append(o.copy().detail()).append("): ").append(o.problems()).append("\n    ")
                    .append(String.join("\n    ", o.run().stderr())));
            fail(b.toString());
        }
    }

    /** A message with the path and numbers taken out, to count kinds of messages. */
    private static String shape(String message) {
        return message.replaceAll("/\\S+", "PATH").replaceAll("\\d+", "N");
    }

    private static long lineCount(Path file) throws IOException {
        try (var s = Files.lines(file)) {
            return s.count();
        }
    }
}

package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.kindling.probe.generator.CaptureGenerator;
import io.kindling.probe.generator.Scenario;
import io.kindling.probe.itests.support.KarafInstance;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.Test;

/**
 * The probe in Apache Karaf as its users install it: a Karaf 4.4 distribution from Maven Central run as a
 * process, the probe's features repository added, {@code feature:install kindling-probe}, a jsonl sink
 * configured by a .cfg file in etc/, a capture replayed with the probe's commands in Karaf's own shell
 * (through {@code bin/client}), and the sink's file compared line by line with what {@code probe replay}
 * writes for the same capture and subscriptions. {@code feature:uninstall} then leaves no bundle and no
 * thread of the probe.
 */
public class KarafFeatureIT {

    private static final String SUBSCRIPTIONS = "syscall_exit-connect,syscall_exit-read:net";

    @Test
    public void featureInstallReplayUninstall() throws Exception {
        Path work = TestEnvironment.workDir("karaf-feature");
        Path capture = work.resolve("http-20000.scap");
        CaptureGenerator.generate(Scenario.HTTP, 20_000, 5, capture);
        Path events = work.resolve("events.jsonl");

        try (KarafInstance karaf = KarafInstance.unpack(work.resolve("karaf"))) {
            // The sink, as a user configures it: a factory configuration file in etc/ (FileInstall).
            Files.writeString(karaf.home().resolve("etc/io.kindling.probe.sink.jsonl-karaf.cfg"), String.join("\n",
                    "kindling.sink.name = karaf",
                    "kindling.subscriptions = " + SUBSCRIPTIONS,
                    "path = " + events, ""));
            karaf.start();

            String version = System.getProperty("kindling.probe.version");
            String added = karaf.client("feature:repo-add mvn:io.kindling.probe/probe.features/" + version + "/xml/features");
            assertNoError("feature:repo-add", added, karaf);
            String installed = karaf.client("feature:install kindling-probe");
            assertNoError("feature:install kindling-probe", installed, karaf);
            String bundles = karaf.client("bundle:list -s -t 0");
            for (String bundle : List.of("io.kindling.probe.api", "io.kindling.probe.inspector", "io.kindling.probe.core",
                    "io.kindling.probe.converter.file", "io.kindling.probe.converter.socket", "io.kindling.probe.converter.tcp",
                    "io.kindling.probe.sink.console", "io.kindling.probe.sink.jsonl")) {
                assertTrue(bundle + " is not active:\n" + bundles, bundles.lines()
                        .anyMatch(l -> l.contains("Active") && l.trim().endsWith(bundle)));
            }
            assertTrue("the native fragment is not resolved:\n" + bundles, bundles.lines()
                    .anyMatch(l -> l.contains("Resolved") && l.trim().endsWith("io.kindling.probe.inspector.linux.x86_64")));

            // The probe's commands in Karaf's shell (scoped: Karaf has start and stop commands of its own).
            String sinks = waitFor(karaf, probe("probe:sinks"), out -> out.contains("karaf"));
            assertTrue("the jsonl sink from etc/ is not there:\n" + sinks, sinks.contains("karaf"));
            String subscribed = karaf.client(probe("probe:subscribe syscall_exit-write net --sink karaf"));
            assertNoError("probe:subscribe", subscribed, karaf);
            String opened = karaf.client(probe("probe:open " + capture));
            assertNoError("probe:open", opened, karaf);
            String run = karaf.client(probe("probe:start --wait"));
            assertNoError("probe:start --wait", run, karaf);
            String stats = karaf.client(probe("probe:stats"));
            assertNoError("probe:stats", stats, karaf);
            System.out.println("--- Karaf: probe:start --wait\n" + run + "--- Karaf: probe:stats\n" + stats);
            String threads = karaf.client("shell:threads");
            assertTrue("no thread of the probe while it is installed:\n" + threads, threads.contains("kindling-sink-karaf"));

            // The oracle: the command line's replay of the same capture with the same subscriptions.
            Path oracle = work.resolve("oracle.jsonl");
            ProbeProcess.Result replay = ProbeProcess.run(work.resolve("replay"), "replay", capture.toString(),
                    "--subscribe", "syscall_exit-connect", "--subscribe", "syscall_exit-read:net",
                    "--subscribe", "syscall_exit-write:net", "--sink", "jsonl:" + oracle);
            assertEquals("probe replay: " + replay, 0, replay.exitCode());
            Map<String, Long> expected = countLines(oracle);
            Map<String, Long> actual = waitForLines(events, expected.values().stream().mapToLong(Long::longValue).sum());
            long total = expected.values().stream().mapToLong(Long::longValue).sum();
            assertTrue("the replay delivered too few events to compare: " + total, total > 1000);
            assertEquals("the events the jsonl sink wrote in Karaf against probe replay's", expected, actual);
            assertTrue("probe:stats does not show the sink's deliveries:\n" + stats, stats.contains("karaf")
                    && stats.contains(Long.toString(total)));

            String uninstalled = karaf.client("feature:uninstall kindling-probe");
            assertNoError("feature:uninstall", uninstalled, karaf);
            String after = karaf.client("bundle:list -s -t 0");
            assertFalse("a bundle of the probe is left after feature:uninstall:\n" + after, after.contains("io.kindling.probe"));
            assertFalse("JNA is left after feature:uninstall:\n" + after, after.contains("com.sun.jna"));
            String threadsAfter = waitFor(karaf, "shell:threads", out -> !out.contains("kindling-"));
            assertFalse("a thread of the probe is left after feature:uninstall:\n" + threadsAfter, threadsAfter.contains("kindling-"));
            System.out.println("--- Karaf: after feature:uninstall, bundles\n" + after);
        }
    }

    /**
     * A command of the probe as {@code bin/client} runs it: Karaf's non-interactive shell prints no command's
     * return value (its console does), so the answer is echoed.
     */
    private static String probe(String command) {
        return "echo (" + command + ")";
    }

    private static void assertNoError(String what, String output, KarafInstance karaf) throws Exception {
        assertFalse(what + " failed:\n" + output + "\n" + karaf.consoleTail(),
                output.contains("Error executing command") || output.contains("Command not found"));
    }

    /** Runs {@code command} until its output satisfies {@code done} (at most 30 tries, a second apart). */
    private static String waitFor(KarafInstance karaf, String command, java.util.function.Predicate<String> done) throws Exception {
        String out = karaf.client(command);
        for (int i = 0; i < 30 && !done.test(out); i++) {
            Thread.sleep(1000);
            out = karaf.client(command);
        }
        return out;
    }

    /** The sink's lines once it wrote {@code expected} of them (or after 30 s), counted by content. */
    private static Map<String, Long> waitForLines(Path file, long expected) throws Exception {
        for (int i = 0; i < 60; i++) {
            if (Files.isRegularFile(file) && Files.readAllLines(file, StandardCharsets.UTF_8).size() >= expected) {
                break;
            }
            Thread.sleep(500);
        }
        return countLines(file);
    }

    private static Map<String, Long> countLines(Path file) throws Exception {
        assertTrue(file + " was not written", Files.isRegularFile(file));
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
    }
}

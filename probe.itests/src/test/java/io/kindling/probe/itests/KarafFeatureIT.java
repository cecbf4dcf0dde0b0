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
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.Test;

/**
 * The probe in Apache Karaf as its users install it: a Karaf 4.4 distribution from Maven Central run as a
 * process, the probe's features repository added, {@code feature:install kindling-probe}, a jsonl sink
 * configured by a .cfg file in etc/, a capture replayed with the probe's commands in Karaf's own shell
 * (through {@code bin/client}), and the sink's file compared line by line with what {@code probe replay}
 * writes for the same capture and subscriptions; the Decanter sink's events reach an Event Admin handler
 * with Decanter's properties; the optional features install and start. {@code feature:uninstall} then
 * leaves no bundle and no thread of the probe.
 */
public class KarafFeatureIT {

    private static final String SUBSCRIPTIONS = "syscall_exit-connect,syscall_exit-read:net";
    private static final List<String> OPTIONAL_BUNDLES = List.of("io.kindling.probe.converter.cpu", "io.kindling.probe.converter.apm",
            "io.kindling.probe.sink.prometheus", "org.apache.felix.http.jetty", "io.kindling.probe.sink.kafka",
            "io.kindling.probe.converter.container");

    private static boolean active(String bundleList, String bundle) {
        return bundleList.lines().anyMatch(l -> l.contains("Active") && l.trim().endsWith(bundle));
    }

    @Test
    public void featureInstallReplayUninstall() throws Exception {
        Path work = TestEnvironment.workDir("karaf-feature");
        Path capture = work.resolve("http-20000.scap");
        CaptureGenerator.generate(Scenario.HTTP, 20_000, 5, capture);
        Path events = work.resolve("events.jsonl");

        // The oracle, while Karaf boots: the command line's replay of the same capture with the same subscriptions.
        Path oracle = work.resolve("oracle.jsonl");
        CompletableFuture<ProbeProcess.Result> replay = CompletableFuture.supplyAsync(() -> {
            try {
                return ProbeProcess.run(work.resolve("replay"), "replay", capture.toString(),
                        "--subscribe", "syscall_exit-connect", "--subscribe", "syscall_exit-read:net",
                        "--subscribe", "syscall_exit-write:net", "--sink", "jsonl:" + oracle);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        try (KarafInstance karaf = KarafInstance.unpack(work.resolve("karaf"))) {
            // The sink, as a user configures it: a factory configuration file in etc/ (FileInstall).
            Files.writeString(karaf.home().resolve("etc/io.kindling.probe.sink.jsonl-karaf.cfg"), String.join("\n",
                    "kindling.sink.name = karaf",
                    "kindling.subscriptions = " + SUBSCRIPTIONS,
                    "path = " + events, ""));
            karaf.start();

            String version = System.getProperty("kindling.probe.version");
            String installed = karaf.client("feature:repo-add mvn:io.kindling.probe/probe.features/" + version + "/xml/features; "
                    + "feature:install kindling-probe");
            assertNoError("feature:repo-add, feature:install kindling-probe", installed, karaf);
            // The probe's commands in Karaf's shell (scoped: Karaf has start and stop commands of its own).
            String bundles = waitFor(karaf, "bundle:list -s -t 0; " + probe("probe:sinks"), out -> out.contains("karaf  bundle"));
            for (String bundle : List.of("io.kindling.probe.api", "io.kindling.probe.inspector", "io.kindling.probe.core",
                    "io.kindling.probe.converter.file", "io.kindling.probe.converter.socket", "io.kindling.probe.converter.tcp",
                    "io.kindling.probe.sink.console", "io.kindling.probe.sink.jsonl")) {
                assertTrue(bundle + " is not active:\n" + bundles, bundles.lines()
                        .anyMatch(l -> l.contains("Active") && l.trim().endsWith(bundle)));
            }
            assertTrue("the native fragment is not resolved:\n" + bundles, bundles.lines()
                    .anyMatch(l -> l.contains("Resolved") && l.trim().endsWith("io.kindling.probe.inspector.linux.x86_64")));
            assertTrue("the jsonl sink from etc/ is not there:\n" + bundles, bundles.contains("karaf  bundle io.kindling.probe.sink.jsonl"));

            String run = karaf.client(probe("probe:subscribe syscall_exit-write net --sink karaf") + "; "
                    + probe("probe:open " + capture) + "; " + probe("probe:start --wait") + "; " + probe("probe:stats")
                    + "; shell:threads");
            assertNoError("probe:subscribe, probe:open, probe:start --wait, probe:stats", run, karaf);
            System.out.println("--- Karaf: probe:subscribe, probe:open, probe:start --wait, probe:stats\n"
                    + run.substring(0, Math.max(0, run.indexOf("\n\""))));
            assertTrue("no thread of the probe while it is installed:\n" + run, run.contains("kindling-sink-karaf"));

            ProbeProcess.Result oracleRun = replay.get();
            assertEquals("probe replay: " + oracleRun, 0, oracleRun.exitCode());
            Map<String, Long> expected = countLines(oracle);
            long total = expected.values().stream().mapToLong(Long::longValue).sum();
            assertTrue("the replay delivered too few events to compare: " + total, total > 1000);
            Map<String, Long> actual = waitForLines(events, total);
            assertEquals("the events the jsonl sink wrote in Karaf against probe replay's", expected, actual);
            assertTrue("probe:stats does not show the sink's deliveries:\n" + run, run.contains("sink karaf: delivered " + total + ","));
            // a command's answer, as bin/client prints it without echo (Karaf's non-interactive shell drops return values)
            String stats = karaf.client("probe:stats");
            assertTrue("bin/client probe:stats does not print the answer:\n" + stats, stats.contains("sink karaf: delivered " + total + ","));

            // Karaf Decanter's collector convention: the decanter sink posts each event on Event Admin, and a
            // handler in the same Karaf (the event command's collector, subscribed to every topic) receives it.
            Files.writeString(karaf.home().resolve("etc/io.kindling.probe.sink.decanter.cfg"),
                    "kindling.subscriptions = syscall_exit-connect\n");
            assertNoError("feature:install kindling-probe-decanter", karaf.client("feature:install kindling-probe-decanter"), karaf);
            String decanterSinks = waitFor(karaf, probe("probe:sinks"), out -> out.contains("decanter  bundle"));
            assertTrue("the decanter sink from etc/ is not there:\n" + decanterSinks, decanterSinks.contains("decanter  bundle"));
            String decanterRun = karaf.client(probe("probe:open " + capture) + "; " + probe("probe:start --wait") + "; event:display -v");
            assertNoError("probe:open, probe:start --wait, event:display", decanterRun, karaf);
            long connects = expected.entrySet().stream().filter(e -> e.getKey().startsWith("{\"name\":\"connect\",\"category\":"))
                    .mapToLong(Map.Entry::getValue).sum();
            assertTrue("no connect exit in the replay", connects > 0);
            assertTrue("the decanter sink did not deliver the " + connects + " connect exits:\n" + decanterRun,
                    decanterRun.contains("sink decanter: delivered " + connects + ","));
            String collected = decanterRun.contains("decanter/collect/kindling/connect") ? decanterRun
                    : waitFor(karaf, "event:display -v", out -> out.contains("decanter/collect/kindling/connect"));
            System.out.println("--- Karaf: event:display (the end of it)\n"
                    + collected.substring(Math.max(0, collected.length() - 2500)));
            for (String property : List.of("decanter/collect/kindling/connect", "type", "kindling", "karafName", "hostAddress",
                    "hostName", "timestamp", "event.timestamp", "fd.dip", "fd.dport", "tid", "comm")) {
                assertTrue("the Decanter event lacks " + property + ":\n" + collected, collected.contains(property));
            }
            Matcher ts = Pattern.compile("event\\.timestamp\\W+(\\d+)").matcher(collected);
            assertTrue("no event.timestamp value in:\n" + collected, ts.find());
            String timestamp = ts.group(1);
            assertTrue("the Decanter event of timestamp " + timestamp + " is not a connect exit of the replay", expected.keySet().stream()
                    .anyMatch(l -> l.startsWith("{\"name\":\"connect\",") && l.contains("\"timestamp\":" + timestamp + ",")));

            // The other features resolve and start in the same Karaf (their sinks stay off until configured).
            String optional = karaf.client("feature:install kindling-probe-converter-apm kindling-probe-sink-prometheus "
                    + "kindling-probe-sink-kafka kindling-probe-converter-container");
            assertNoError("feature:install of the optional features", optional, karaf);
            String optionalBundles = waitFor(karaf, "bundle:list -s -t 0", out -> OPTIONAL_BUNDLES.stream().allMatch(b -> active(out, b)));
            for (String bundle : OPTIONAL_BUNDLES) {
                assertTrue(bundle + " is not active:\n" + optionalBundles, active(optionalBundles, bundle));
            }

            String uninstalled = karaf.client("feature:uninstall kindling-probe-converter-apm "
                    + "kindling-probe-sink-prometheus kindling-probe-sink-kafka kindling-probe-converter-container kindling-probe-decanter; "
                    + "feature:uninstall kindling-probe");
            assertNoError("feature:uninstall", uninstalled, karaf);
            String after = waitFor(karaf, "bundle:list -s -t 0; shell:threads", out -> !out.contains("kindling-"));
            String bundlesAfter = after.substring(0, Math.max(0, after.indexOf("\n\"")));
            assertFalse("a bundle of the probe is left after feature:uninstall:\n" + bundlesAfter, bundlesAfter.contains("io.kindling.probe"));
            assertFalse("JNA is left after feature:uninstall:\n" + bundlesAfter, bundlesAfter.lines().anyMatch(l -> l.trim().endsWith("com.sun.jna")));
            assertFalse("a thread of the probe is left after feature:uninstall:\n" + after, after.contains("kindling-"));
            System.out.println("--- Karaf: after feature:uninstall, bundles\n" + bundlesAfter);
            // JNA's own cleaner thread ends once the collector has freed its last native memory (nothing in
            // Karaf's shell runs a collection): reported, not asserted.
            System.out.println("--- Karaf: after feature:uninstall, JNA's cleaner thread "
                    + (after.contains("\"JNA Cleaner\"") ? "still runs" : "has ended"));
        }
    }

    /**
     * A command of the probe among others in one {@code bin/client} call: Gogo shows the answer of the last
     * statement of a line only, so each answer is echoed.
     */
    private static String probe(String command) {
        return "echo (" + command + ")";
    }

    private static void assertNoError(String what, String output, KarafInstance karaf) throws Exception {
        assertFalse(what + " failed:\n" + output + "\n" + karaf.consoleTail(),
                output.contains("Error executing command") || output.contains("Command not found"));
    }

    /** Runs {@code command} until its output satisfies {@code done} (at most 20 tries, a second apart). */
    private static String waitFor(KarafInstance karaf, String command, java.util.function.Predicate<String> done) throws Exception {
        String out = karaf.client(command);
        for (int i = 0; i < 20 && !done.test(out); i++) {
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

package io.kindling.probe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.cli.CommandLine.Command;
import io.kindling.probe.generator.Scenario;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateTest {

    private static String usageError(String... args) {
        return assertThrows(UsageException.class, () -> CommandLine.parse(args)).getMessage();
    }

    @Test
    void parsesAllOptionsInAnyOrderAndBothForms() throws Exception {
        CommandLine line = CommandLine.parse("generate", "--out", "x.scap", "--events=1000000", "--scenario", "HTTP",
                "--seed=-7");
        assertEquals(Command.GENERATE, line.command());
        assertEquals(new GenerateSpec(Scenario.HTTP, 1_000_000, Path.of("x.scap"), -7), line.generate());
        assertNull(line.file());
    }

    @Test
    void theSeedIsOneByDefault() throws Exception {
        GenerateSpec spec = CommandLine.parse("generate", "--scenario", "mixed", "--events", "5_000", "--out", "y").generate();
        assertEquals(1, spec.seed());
        assertEquals(5000, spec.events());
        assertEquals(Scenario.MIXED, spec.scenario());
    }

    @Test
    void otherCommandsHaveNoGenerateOptions() throws Exception {
        assertNull(CommandLine.parse("replay", "x.scap").generate());
        assertNull(CommandLine.parse().generate());
    }

    @Test
    void badArgumentsGiveOneLine() {
        assertTrue(usageError("generate", "--scenario", "web", "--events", "10", "--out", "x").contains("unknown scenario 'web'"));
        assertEquals("--events needs a number of events, got 'ten'",
                usageError("generate", "--scenario", "http", "--events", "ten", "--out", "x"));
        assertEquals("--events needs at least 1 event, got 0",
                usageError("generate", "--scenario", "http", "--events", "0", "--out", "x"));
        assertEquals("--events needs at least 1 event, got -5",
                usageError("generate", "--scenario", "http", "--events=-5", "--out", "x"));
        assertEquals("generate needs --out FILE", usageError("generate", "--scenario", "http", "--events", "10"));
        assertEquals("generate needs --events N", usageError("generate", "--scenario", "http", "--out", "x"));
        String needs = usageError("generate", "--events", "1", "--out", "x");
        assertTrue(needs.startsWith("generate needs --scenario http, files, sched, mixed, java, dns, redis"), needs);
        assertTrue(needs.endsWith(" or requests"), needs);
        assertEquals("--out needs a file", usageError("generate", "--scenario", "http", "--events", "10", "--out"));
        assertEquals("--out needs a file", usageError("generate", "--out", "--events", "10"));
        assertEquals("--out needs a FILE", usageError("generate", "--scenario", "http", "--events", "10", "--out="));
        assertEquals("--seed needs a whole number, got '1.5'",
                usageError("generate", "--scenario", "http", "--events", "10", "--out", "x", "--seed", "1.5"));
        assertEquals("unknown option '--sink' of generate", usageError("generate", "--sink", "console"));
        assertEquals("generate takes no argument, got 'x.scap'", usageError("generate", "x.scap"));
        for (String message : new String[] {usageError("generate", "--scenario", "web"), usageError("generate", "--events", "x")}) {
            assertFalse(message.contains("\n"), message);
        }
    }

    @Test
    void helpWins() throws Exception {
        assertEquals(Command.HELP, CommandLine.parse("generate", "--scenario", "web", "--help").command());
    }

    @Test
    void writesTheCaptureAndOneSummaryLine(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Path out = dir.resolve("c.scap");
        int status = new Generate(err, false, () -> false).run(new GenerateSpec(Scenario.FILES, 500, out, 3));
        assertEquals(Exit.OK, status);
        assertTrue(Files.size(out) > 0);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        assertTrue(text.startsWith("probe: generated 500 events (files, seed 3) to " + out + ": "), text);
        assertTrue(text.contains(" KiB in "), text);
        assertFalse(text.contains("requests logged"), text);
    }

    @Test
    void theSummaryLineSaysHowManyRequestsWereLogged(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Path out = dir.resolve("r.scap");
        assertEquals(Exit.OK, new Generate(err, false, () -> false).run(new GenerateSpec(Scenario.REDIS, 2000, out, 3)));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, text.lines().count(), text);
        long lines = Files.readAllLines(dir.resolve("r.scap.requests")).size();
        assertTrue(lines > 50, "requests logged: " + lines);
        assertTrue(text.strip().endsWith("; " + String.format(java.util.Locale.ROOT, "%,d", lines) + " requests logged in "
                + dir.resolve("r.scap.requests")), text);
    }

    @Test
    void everyScenarioIsInTheUsage() throws Exception {
        String usage = Usage.TEXT.lines().filter(l -> l.contains("generate --scenario ")).findFirst().orElseThrow();
        String names = usage.substring(usage.indexOf("--scenario ") + 11, usage.indexOf(" --events"));
        assertEquals(Scenario.values().length, names.split("\\|").length, usage);
        for (Scenario s : Scenario.values()) {
            assertEquals(s, CommandLine.parse("generate", "--scenario", s.cliName(), "--events", "1", "--out", "x").generate()
                    .scenario());
            assertTrue(("|" + names + "|").contains("|" + s.cliName() + "|"), usage);
        }
    }

    @Test
    void unwritablePathsAreBadInput(@TempDir Path dir) throws Exception {
        CommandException directory = assertThrows(CommandException.class, () -> Generate.writable(dir));
        assertEquals(Exit.BAD_INPUT, directory.exitCode());
        assertEquals(dir + ": is a directory", directory.getMessage());
        Path missing = dir.resolve("no/such/c.scap");
        CommandException noParent = assertThrows(CommandException.class, () -> Generate.writable(missing));
        assertEquals(Exit.BAD_INPUT, noParent.exitCode());
        assertTrue(noParent.getMessage().contains("no such directory"), noParent.getMessage());
        assertEquals(dir.resolve("ok.scap"), Generate.writable(dir.resolve("ok.scap")));
    }

    @Test
    void stoppingRemovesThePartialFile(@TempDir Path dir) {
        Path out = dir.resolve("big.scap");
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        CommandException stopped = assertThrows(CommandException.class,
                () -> new Generate(err, false, () -> true).run(new GenerateSpec(Scenario.SCHED, 10, out, 1)));
        assertEquals(Exit.FAILURE, stopped.exitCode());
        assertFalse(Files.exists(out));
    }

    @Test
    void sizesAreReadable() {
        assertEquals("512 B", Generate.size(512));
        assertEquals("1.5 KiB", Generate.size(1536));
        assertEquals("3.0 MiB", Generate.size(3L << 20));
    }
}

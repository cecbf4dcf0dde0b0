package io.kindling.probe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.probe.api.Category;
import io.kindling.probe.api.control.Subscription;
import io.kindling.probe.cli.CommandLine.Command;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {

    @Test
    void noArgumentsReplaysTheSampleWithTheDefaults() throws Exception {
        CommandLine line = CommandLine.parse();
        assertEquals(Command.REPLAY, line.command());
        assertTrue(line.replaysSample());
        assertTrue(line.defaultSubscriptions());
        assertEquals(List.of(SinkSpec.CONSOLE), line.sinks());
        assertEquals(CommandLine.defaultList(), line.subscriptions());
    }

    @Test
    void defaultsAreTheKindlingCollectorsList() {
        List<Subscription> defaults = CommandLine.defaultList();
        assertEquals(17, defaults.size());
        assertEquals(new Subscription("syscall_exit-writev", Category.NET), defaults.get(0));
        assertEquals(new Subscription("kprobe-tcp_close", null), defaults.get(9));
        assertEquals(new Subscription("tracepoint-procexit", null), defaults.get(16));
        assertEquals(9, defaults.stream().filter(s -> s.category() == Category.NET).count());
    }

    @Test
    void replayTakesAFileAndRepeatedOptions() throws Exception {
        CommandLine line = CommandLine.parse("replay", "--subscribe", "syscall_exit-read:net", "trace.scap",
                "--subscribe=kprobe-tcp_close", "--sink", "jsonl:out.jsonl", "--sink=console");
        assertEquals(Command.REPLAY, line.command());
        assertEquals("trace.scap", line.file());
        assertFalse(line.replaysSample());
        assertFalse(line.defaultSubscriptions());
        assertEquals(List.of(new Subscription("syscall_exit-read", Category.NET), new Subscription("kprobe-tcp_close", null)),
                line.subscriptions());
        assertEquals(2, line.sinks().size());
        assertEquals(SinkSpec.Kind.JSONL, line.sinks().get(0).kind());
        assertEquals(Path.of("out.jsonl").toAbsolutePath().toString(), line.sinks().get(0).path());
        assertEquals(SinkSpec.CONSOLE, line.sinks().get(1));
    }

    @Test
    void replayWithoutOptionsUsesDefaultsAndConsole() throws Exception {
        CommandLine line = CommandLine.parse("replay", "x.scap");
        assertTrue(line.defaultSubscriptions());
        assertEquals(17, line.subscriptions().size());
        assertEquals(List.of(SinkSpec.CONSOLE), line.sinks());
    }

    @Test
    void subscribeAllAndDuplicatesCollapse() throws Exception {
        CommandLine line = CommandLine.parse("replay", "x.scap", "--subscribe", "all", "--subscribe", "all");
        assertEquals(List.of(new Subscription("all", null)), line.subscriptions());
        assertTrue(line.subscriptions().get(0).isAll());
    }

    @Test
    void doubleDashEndsOptions() throws Exception {
        assertEquals("--odd.scap", CommandLine.parse("replay", "--", "--odd.scap").file());
    }

    @Test
    void liveTakesOptionsButNoFile() throws Exception {
        CommandLine line = CommandLine.parse("live", "--sink", "jsonl");
        assertEquals(Command.LIVE, line.command());
        assertNull(line.file());
        assertTrue(line.sinks().get(0).toStandardOutput());
        assertEquals("live takes no argument, got 'x.scap'", error("live", "x.scap"));
    }

    @Test
    void helpInEveryForm() throws Exception {
        for (String[] args : List.of(new String[] {"help"}, new String[] {"--help"}, new String[] {"-h"},
                new String[] {"replay", "--help"}, new String[] {"live", "--sink", "console", "-h"},
                new String[] {"help", "replay"})) {
            assertEquals(Command.HELP, CommandLine.parse(args).command(), String.join(" ", args));
        }
    }

    @Test
    void events() throws Exception {
        assertEquals(Command.EVENTS, CommandLine.parse("events").command());
        assertEquals("events takes no options", error("events", "--sink", "console"));
        assertEquals("events takes no argument, got 'x'", error("events", "x"));
    }

    @Test
    void benchLiveTakesAGrpcWorkload() throws Exception {
        assertTrue(CommandLine.parse("bench-live", "--grpc", "--rate", "500").live().grpc());
        assertEquals(500, CommandLine.parse("bench-live", "--grpc", "--rate", "500").live().rate());
        assertFalse(CommandLine.parse("bench-live").live().grpc());
        assertEquals("--grpc is a flag of bench-live", error("live", "--grpc"));
        assertEquals("--grpc is a flag of bench-live", error("bench-live", "--grpc=yes"));
    }

    @Test
    void errorsSayWhatIsWrong() {
        assertEquals("unknown command 'replya'", error("replya", "x.scap"));
        assertEquals("expected a command (replay, live, events, bench, bench-live, generate, shell or help) before '--sink'", error("--sink", "jsonl"));
        assertEquals("unknown option '--subscribed'", error("replay", "x.scap", "--subscribed", "all"));
        assertEquals("unknown option '-s'", error("replay", "x.scap", "-s", "all"));
        assertEquals("replay needs a capture FILE", error("replay"));
        assertEquals("replay needs a capture FILE", error("replay", "--sink", "console"));
        assertEquals("replay takes one FILE, got also 'b.scap'", error("replay", "a.scap", "b.scap"));
        assertEquals("--subscribe needs NAME[:CATEGORY]", error("replay", "x.scap", "--subscribe"));
        assertEquals("--subscribe needs NAME[:CATEGORY]", error("replay", "x.scap", "--subscribe", "--sink", "console"));
        assertEquals("--sink needs a sink: console, jsonl[:PATH], prometheus[:[HOST:]PORT], kafka:BOOTSTRAP[/TOPIC] or otlp[:URL]", error("replay", "x.scap", "--sink"));
        assertEquals("--subscribe needs a NAME before the category: ':net'", error("replay", "x.scap", "--subscribe", ":net"));
        assertTrue(error("replay", "x.scap", "--subscribe", "syscall_exit-read:nett")
                .startsWith("unknown category 'nett' in 'syscall_exit-read:nett'; categories are other, file, net"));
    }

    @Test
    void sinkErrors() {
        assertEquals("unknown sink 'syslog': use console, jsonl[:PATH], prometheus[:[HOST:]PORT], kafka:BOOTSTRAP[/TOPIC] or otlp[:URL]",
                error("replay", "x.scap", "--sink", "syslog"));
        assertEquals("the kafka sink needs its brokers: kafka:HOST:PORT[,HOST:PORT...][/TOPIC]",
                error("replay", "x.scap", "--sink", "kafka"));
        assertEquals("not a port number in 'prometheus:localhost:http'",
                error("replay", "x.scap", "--sink", "prometheus:localhost:http"));
        assertEquals("the console sink takes no PATH: 'console:out.txt'",
                error("replay", "x.scap", "--sink", "console:out.txt"));
        assertEquals("only one sink can write to standard output; give jsonl a PATH (--sink jsonl:PATH)",
                error("replay", "x.scap", "--sink", "console", "--sink", "jsonl"));
        assertEquals("only one sink can write to standard output; give jsonl a PATH (--sink jsonl:PATH)",
                error("replay", "x.scap", "--sink", "jsonl", "--sink", "jsonl:-"));
    }

    private static String error(String... args) {
        return assertThrows(UsageException.class, () -> CommandLine.parse(args)).getMessage();
    }
}

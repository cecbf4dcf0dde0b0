package io.kindling.probe.cli;

import io.kindling.probe.api.control.Subscription;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed command line:
 * {@code probe [replay FILE | live | events | help] [--subscribe NAME[:CATEGORY]]... [--sink console|jsonl[:PATH]]...},
 * or {@code probe generate --scenario S --events N --out FILE [--seed S]}.
 * No arguments at all means: replay the bundled sample with the defaults.
 *
 * @param file the capture to replay; {@code null} for live, events, help, and the bundled sample
 * @param defaultSubscriptions true when no {@code --subscribe} was given and {@code subscriptions}
 *     is {@link #DEFAULT_SUBSCRIPTIONS}
 * @param generate the options of {@code generate}; {@code null} for the other commands
 * @param config the folder of configuration files of replay or live ({@code --config}); {@code null}: none
 */
record CommandLine(Command command, String file, List<Subscription> subscriptions, boolean defaultSubscriptions,
        List<SinkSpec> sinks, int rounds, GenerateSpec generate, ShellSpec shell, LiveSpec live, String config) {

    CommandLine(Command command, String file, List<Subscription> subscriptions, boolean defaultSubscriptions,
            List<SinkSpec> sinks, int rounds, GenerateSpec generate, ShellSpec shell) {
        this(command, file, subscriptions, defaultSubscriptions, sinks, rounds, generate, shell, LiveSpec.NONE, null);
    }

    /** Rounds of each kind that {@code bench} runs by default. */
    static final int DEFAULT_ROUNDS = 5;

    enum Command {
        /** Replay a capture file, or the bundled sample when there is no file. */
        REPLAY,
        LIVE,
        EVENTS,
        HELP,
        /** Time the inspector alone against the whole probe on one capture. */
        BENCH,
        /** Write a synthetic capture with the capture generator. */
        GENERATE,
        /** The Gogo shell on the terminal (or on standard input), with a persistent data folder. */
        SHELL,
        /** Live capture under a loopback HTTP workload at a fixed rate: CPU, BPF run time, drops, throughput. */
        BENCH_LIVE
    }

    /** The Kindling collector's default subscriptions. */
    static final List<String> DEFAULT_SUBSCRIPTIONS = List.of(
            "syscall_exit-writev:net", "syscall_exit-readv:net", "syscall_exit-write:net", "syscall_exit-read:net",
            "syscall_exit-sendto:net", "syscall_exit-recvfrom:net", "syscall_exit-sendmsg:net",
            "syscall_exit-recvmsg:net", "syscall_exit-sendmmsg:net", "kprobe-tcp_close", "kprobe-tcp_rcv_established",
            "kprobe-tcp_drop", "kprobe-tcp_retransmit_skb", "syscall_exit-connect", "kretprobe-tcp_connect",
            "kprobe-tcp_set_state", "tracepoint-procexit");

    static List<Subscription> defaultList() {
        return DEFAULT_SUBSCRIPTIONS.stream().map(Subscription::parse).toList();
    }

    static CommandLine help() {
        return new CommandLine(Command.HELP, null, List.of(), false, List.of(), 0, null, null);
    }

    /** True for the bare {@code probe}: replay the bundled sample. */
    boolean replaysSample() {
        return command == Command.REPLAY && file == null;
    }

    static CommandLine parse(String... args) throws UsageException {
        if (args.length == 0) {
            return new CommandLine(Command.REPLAY, null, defaultList(), true, List.of(SinkSpec.CONSOLE), 0, null, null);
        }
        Command command = command(args[0]);
        if (command == Command.HELP || asksHelp(args, command)) {
            return help();
        }
        if (command == Command.GENERATE) {
            return new CommandLine(Command.GENERATE, null, List.of(), false, List.of(), 0, GenerateSpec.parse(args, 1), null);
        }
        if (command == Command.SHELL) {
            return new CommandLine(Command.SHELL, null, List.of(), false, List.of(), 0, null, ShellSpec.parse(args, 1));
        }
        Options options = new Options(command);
        if (!options.read(args)) {
            return help();
        }
        return options.commandLine();
    }

    private static Command command(String first) throws UsageException {
        return switch (first) {
            case "help", "--help", "-h" -> Command.HELP;
            case "replay" -> Command.REPLAY;
            case "live" -> Command.LIVE;
            case "events" -> Command.EVENTS;
            case "bench" -> Command.BENCH;
            case "bench-live" -> Command.BENCH_LIVE;
            case "generate" -> Command.GENERATE;
            case "shell" -> Command.SHELL;
            default -> throw new UsageException(first.startsWith("-")
                    ? "expected a command (replay, live, events, bench, bench-live, generate, shell or help) before '" + first + "'"
                    : "unknown command '" + first + "'");
        };
    }

    /** generate and shell parse their own options: a help option anywhere asks for the help. */
    private static boolean asksHelp(String[] args, Command command) {
        if (command != Command.GENERATE && command != Command.SHELL) {
            return false;
        }
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /** The options and operands of replay, live, events, bench and bench-live, read in order. */
    private static final class Options {
        final Command command;
        final Set<Subscription> subscriptions = new LinkedHashSet<>();
        final List<SinkSpec> sinks = new ArrayList<>();
        final List<String> operands = new ArrayList<>();
        int rounds = DEFAULT_ROUNDS;
        LiveSpec live;
        String config;

        Options(Command command) {
            this.command = command;
            this.live = command == Command.BENCH_LIVE
                    ? new LiveSpec(LiveSpec.DEFAULT_BENCH_MILLIS, null, LiveSpec.DEFAULT_BENCH_RATE, false, false) : LiveSpec.NONE;
        }

        /** Reads the arguments after the command; false when one asks for the help. */
        boolean read(String[] args) throws UsageException {
            boolean options = true;
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                if (!options || !arg.startsWith("-") || arg.equals("-")) {
                    operands.add(arg);
                } else if (arg.equals("--")) {
                    options = false;
                } else if (arg.equals("--help") || arg.equals("-h")) {
                    return false;
                } else {
                    int eq = arg.indexOf('=');
                    boolean joined = arg.startsWith("--") && eq > 0;
                    String option = joined ? arg.substring(0, eq) : arg;
                    String value = joined ? arg.substring(eq + 1) : null;
                    i = option(args, i, option, value);
                    if (command == Command.EVENTS) {
                        throw new UsageException("events takes no options");
                    }
                }
            }
            return true;
        }

        /** Takes one option, its value joined ({@code --x=v}) or the next argument; returns the index of the last argument read. */
        private int option(String[] args, int i, String option, String joined) throws UsageException {
            String value = joined;
            switch (option) {
                case "--subscribe" -> {
                    if (value == null) {
                        value = value(args, ++i, option, "NAME[:CATEGORY]");
                    }
                    subscriptions.add(subscription(value));
                }
                case "--sink" -> {
                    if (value == null) {
                        value = value(args, ++i, option, "a sink: console, jsonl[:PATH], prometheus[:[HOST:]PORT], kafka:BOOTSTRAP[/TOPIC] or otlp[:URL]");
                    }
                    sinks.add(SinkSpec.parse(value));
                }
                case "--config" -> {
                    if (command != Command.REPLAY && command != Command.LIVE) {
                        throw new UsageException("--config is an option of replay and live");
                    }
                    if (value == null) {
                        value = value(args, ++i, option, "a folder of configuration files (.cfg, .config)");
                    }
                    if (value.isBlank() || config != null) {
                        throw new UsageException(value.isBlank() ? "--config needs a folder" : "--config is given once");
                    }
                    config = value;
                }
                case "--rounds" -> {
                    if (command != Command.BENCH) {
                        throw new UsageException("--rounds is an option of bench");
                    }
                    if (value == null) {
                        value = value(args, ++i, option, "a number of rounds");
                    }
                    rounds = rounds(value);
                }
                default -> i = liveOption(args, i, option, value);
            }
            return i;
        }

        /** The options of live and bench-live; returns the index of the last argument read. */
        private int liveOption(String[] args, int i, String option, String joined) throws UsageException {
            String value = joined;
            switch (option) {
                case "--duration" -> {
                    if (command != Command.LIVE && command != Command.BENCH_LIVE) {
                        throw new UsageException("--duration is an option of live and bench-live");
                    }
                    live = live.withDuration(LiveSpec.duration(value != null ? value : value(args, ++i, option, "a time such as 30s")));
                }
                case "--write" -> {
                    if (command != Command.LIVE) {
                        throw new UsageException("--write is an option of live");
                    }
                    String file = value != null ? value : value(args, ++i, option, "a FILE for the capture");
                    if (file.isBlank()) {
                        throw new UsageException("--write needs a FILE for the capture");
                    }
                    live = live.withWrite(file);
                }
                case "--rate" -> {
                    if (command != Command.BENCH_LIVE) {
                        throw new UsageException("--rate is an option of bench-live");
                    }
                    live = live.withRate(rate(value != null ? value : value(args, ++i, option, "requests per second")));
                }
                case "--search" -> {
                    if (command != Command.BENCH_LIVE || value != null) {
                        throw new UsageException("--search is a flag of bench-live");
                    }
                    live = live.withSearch();
                }
                case "--grpc" -> {
                    if (command != Command.BENCH_LIVE || value != null) {
                        throw new UsageException("--grpc is a flag of bench-live");
                    }
                    live = live.withGrpc();
                }
                default -> throw new UsageException("unknown option '" + option + "'");
            }
            return i;
        }

        CommandLine commandLine() throws UsageException {
            checkOperands();
            if (sinks.isEmpty() && config == null) {
                // with --config, the folder's sinks; bench-live measures the probe as the collector runs it: every event written out, to nowhere
                sinks.add(command == Command.BENCH_LIVE ? SinkSpec.parse("jsonl:/dev/null") : SinkSpec.CONSOLE);
            }
            if (sinks.stream().filter(SinkSpec::toStandardOutput).count() > 1) {
                throw new UsageException("only one sink can write to standard output; give jsonl a PATH (--sink jsonl:PATH)");
            }
            boolean defaults = subscriptions.isEmpty();
            boolean withFile = command == Command.REPLAY || command == Command.BENCH;
            return new CommandLine(command, withFile ? operands.get(0) : null,
                    defaults ? defaultList() : List.copyOf(subscriptions), defaults, List.copyOf(sinks), rounds, null, null, live, config);
        }

        private void checkOperands() throws UsageException {
            String verb = command.name().toLowerCase(java.util.Locale.ROOT);
            switch (command) {
                case REPLAY, BENCH -> {
                    if (operands.isEmpty()) {
                        throw new UsageException(verb + " needs a capture FILE");
                    }
                    if (operands.size() > 1) {
                        throw new UsageException(verb + " takes one FILE, got also '" + operands.get(1) + "'");
                    }
                    if (command == Command.BENCH && !sinks.isEmpty()) {
                        throw new UsageException("bench delivers to a counting sink of its own and takes no --sink");
                    }
                }
                case LIVE, EVENTS, BENCH_LIVE -> {
                    if (!operands.isEmpty()) {
                        throw new UsageException(verb + " takes no argument, got '" + operands.get(0) + "'");
                    }
                }
                default -> throw new AssertionError(command);
            }
        }
    }

    private static String value(String[] args, int i, String option, String what) throws UsageException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(option + " needs " + what);
        }
        return args[i];
    }

    private static int rounds(String text) throws UsageException {
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1 && n <= 100) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--rounds needs a number from 1 to 100, got '" + text + "'");
    }

    private static int rate(String text) throws UsageException {
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1 && n <= 1_000_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--rate needs requests per second from 1 to 1000000, got '" + text + "'");
    }

    private static Subscription subscription(String text) throws UsageException {
        Subscription subscription;
        try {
            subscription = Subscription.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (subscription.name().isEmpty()) {
            throw new UsageException("--subscribe needs a NAME before the category: '" + text + "'");
        }
        return subscription;
    }
}

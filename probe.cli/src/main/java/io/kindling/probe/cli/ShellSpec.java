package io.kindling.probe.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code probe shell [FILE] [--data DIR] [--sink console|jsonl[:PATH]]...}.
 *
 * @param file a capture that {@code start} replays (the shell's {@code open FILE}), or {@code null}
 * @param data the data folder as given, or {@code null} for the one bin/probe chose
 * @param sinks sinks to create when no sink of that name is configured yet
 */
record ShellSpec(String file, String data, List<SinkSpec> sinks) {

    private static final Map<String, String> OPTIONS = Map.of("--data", "a folder", "--sink", "console or jsonl[:PATH]");

    /** Parses the arguments that follow {@code shell}, from {@code args[from]} on. */
    static ShellSpec parse(String[] args, int from) throws UsageException {
        String file = null;
        String data = null;
        List<SinkSpec> sinks = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.equals("-")) {
                if (file != null) {
                    throw new UsageException("shell takes one FILE, got also '" + arg + "'");
                }
                file = arg;
                continue;
            }
            ValuedOption option = ValuedOption.read(args, i, "shell", OPTIONS);
            i = option.last();
            String value = option.value();
            if (option.name().equals("--data")) {
                if (value.isBlank()) {
                    throw new UsageException("--data needs a folder");
                }
                data = value;
            } else {
                sinks.add(SinkSpec.parse(value));
            }
        }
        return new ShellSpec(file, data, List.copyOf(sinks));
    }
}

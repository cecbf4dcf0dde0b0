package io.kindling.probe.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code probe shell [FILE] [--data DIR] [--sink console|jsonl[:PATH]]...}.
 *
 * @param file a capture that {@code start} replays (the shell's {@code open FILE}), or {@code null}
 * @param data the data folder as given, or {@code null} for the one bin/probe chose
 * @param sinks sinks to create when no sink of that name is configured yet
 */
record ShellSpec(String file, String data, List<SinkSpec> sinks) {

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
            String option = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                option = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!option.equals("--data") && !option.equals("--sink")) {
                throw new UsageException("unknown option '" + option + "' of shell");
            }
            if (value == null) {
                if (++i >= args.length || args[i].startsWith("--")) {
                    throw new UsageException(option + " needs " + (option.equals("--data") ? "a folder" : "console or jsonl[:PATH]"));
                }
                value = args[i];
            }
            if (option.equals("--data")) {
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

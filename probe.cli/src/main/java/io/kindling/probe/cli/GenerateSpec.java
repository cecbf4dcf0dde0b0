package io.kindling.probe.cli;

import io.kindling.probe.generator.Scenario;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The options of {@code probe generate --scenario SCENARIO --events N --out FILE [--seed S]}, SCENARIO one of
 * {@link Scenario}'s command line names.
 *
 * @param out the capture to write, as given (relative to the working folder)
 */
record GenerateSpec(Scenario scenario, long events, Path out, long seed) {

    static final long DEFAULT_SEED = 1;

    /** The scenarios' names, e.g. {@code http, files, ... or requests}. */
    static final String SCENARIOS = scenarioNames(", ", " or ");

    private static final Map<String, String> OPTIONS = Map.of("--scenario", SCENARIOS,
            "--events", "a number of events", "--out", "a file", "--seed", "a number");

    /** Parses the arguments that follow {@code generate}, from {@code args[from]} on. */
    static GenerateSpec parse(String[] args, int from) throws UsageException {
        Scenario scenario = null;
        Long events = null;
        Path out = null;
        long seed = DEFAULT_SEED;
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("generate takes no argument, got '" + arg + "'");
            }
            ValuedOption option = ValuedOption.read(args, i, "generate", OPTIONS);
            i = option.last();
            String value = option.value();
            switch (option.name()) {
                case "--scenario" -> scenario = scenario(value);
                case "--events" -> events = events(value);
                case "--out" -> out = path(value);
                default -> seed = seed(value);
            }
        }
        if (scenario == null) {
            throw new UsageException("generate needs --scenario " + SCENARIOS);
        }
        if (events == null) {
            throw new UsageException("generate needs --events N");
        }
        if (out == null) {
            throw new UsageException("generate needs --out FILE");
        }
        return new GenerateSpec(scenario, events, out, seed);
    }

    /** The command line names of the scenarios, separated by {@code separator}, the last by {@code last}. */
    static String scenarioNames(String separator, String last) {
        Scenario[] all = Scenario.values();
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < all.length; i++) {
            names.append(i == 0 ? "" : i == all.length - 1 ? last : separator).append(all[i].cliName());
        }
        return names.toString();
    }

    private static Scenario scenario(String text) throws UsageException {
        try {
            return Scenario.fromName(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static long events(String text) throws UsageException {
        long n;
        try {
            n = Long.parseLong(text.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException("--events needs a number of events, got '" + text + "'");
        }
        if (n < 1) {
            throw new UsageException("--events needs at least 1 event, got " + n);
        }
        return n;
    }

    private static long seed(String text) throws UsageException {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--seed needs a whole number, got '" + text + "'");
        }
    }

    private static Path path(String text) throws UsageException {
        if (text.isBlank()) {
            throw new UsageException("--out needs a FILE");
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new UsageException("--out: not a valid path: '" + text + "'");
        }
    }
}

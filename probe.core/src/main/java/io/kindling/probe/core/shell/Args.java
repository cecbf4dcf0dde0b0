package io.kindling.probe.core.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of one command: operands, options that take a value ({@code --sink NAME} or
 * {@code --sink=NAME}) and flags ({@code --wait}). {@code -h} and {@code --help} ask for the usage.
 */
final class Args {
    final List<String> operands = new ArrayList<>();
    final Map<String, String> values = new LinkedHashMap<>();
    final java.util.Set<String> flags = new java.util.HashSet<>();
    final boolean help;

    private Args(boolean help) {
        this.help = help;
    }

    /**
     * Parses {@code args}; an unknown option or a missing value throws {@link IllegalArgumentException}
     * with the command's usage.
     */
    static Args parse(String command, String usage, Object[] args, Set<String> withValue, Set<String> flags) {
        boolean help = false;
        for (Object a : args) {
            String s = String.valueOf(a);
            help |= s.equals("-h") || s.equals("--help");
        }
        Args parsed = new Args(help);
        if (help) {
            return parsed;
        }
        boolean options = true;
        for (int i = 0; i < args.length; i++) {
            String arg = String.valueOf(args[i]);
            if (!options || !arg.startsWith("--")) {
                parsed.operands.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                options = false;
                continue;
            }
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length || String.valueOf(args[i + 1]).startsWith("--")) {
                        throw new IllegalArgumentException(command + ": " + name + " needs a value\n" + usage);
                    }
                    value = String.valueOf(args[++i]);
                }
                parsed.values.put(name, value);
            } else if (flags.contains(name) && value == null) {
                parsed.flags.add(name);
            } else {
                throw new IllegalArgumentException(command + ": unknown option '" + arg + "'\n" + usage);
            }
        }
        return parsed;
    }

    /** Checks the number of operands. */
    Args operands(String command, String usage, int min, int max) {
        if (operands.size() < min) {
            throw new IllegalArgumentException(command + ": missing argument\n" + usage);
        }
        if (operands.size() > max) {
            throw new IllegalArgumentException(command + ": unexpected argument '" + operands.get(max) + "'\n" + usage);
        }
        return this;
    }
}

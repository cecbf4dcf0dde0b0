package io.kindling.probe.cli;

import java.util.Map;

/**
 * One option of a subcommand that takes a value, {@code --name VALUE} or {@code --name=VALUE}.
 *
 * @param name the option, {@code --name}
 * @param value its value
 * @param last the index of the last argument it took
 */
record ValuedOption(String name, String value, int last) {

    /**
     * Reads the option at {@code args[i]}.
     *
     * @param known each option the subcommand takes, with what its value is, for the message when it has none
     */
    static ValuedOption read(String[] args, int i, String command, Map<String, String> known) throws UsageException {
        String option = args[i];
        String value = null;
        int eq = option.indexOf('=');
        if (eq > 0) {
            value = option.substring(eq + 1);
            option = option.substring(0, eq);
        }
        String wanted = known.get(option);
        if (wanted == null) {
            throw new UsageException("unknown option '" + option + "' of " + command);
        }
        int last = i;
        if (value == null) {
            if (++last >= args.length || args[last].startsWith("--")) {
                throw new UsageException(option + " needs " + wanted);
            }
            value = args[last];
        }
        return new ValuedOption(option, value, last);
    }
}

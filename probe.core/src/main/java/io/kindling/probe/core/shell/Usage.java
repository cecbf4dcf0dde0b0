package io.kindling.probe.core.shell;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Arrays;
import java.util.List;
import org.apache.felix.service.command.Descriptor;

/**
 * A command's usage, written from its Gogo annotations (the method's {@link Descriptor}, each
 * option's names and descriptor, the operands' descriptor), and the checks of its operands. A
 * valued option's descriptor starts with the name of its value ({@code "SINK: ..."}).
 */
final class Usage {
    /** The option names of every command's help flag. */
    static final String HELP_SHORT = "-h";
    static final String HELP_LONG = "--help";
    static final String HELP_TEXT = "shows this usage";

    private Usage() {}

    private static Method method(Class<?> commands, String name) {
        return Arrays.stream(commands.getMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no command " + name));
    }

    /** Whether the option takes a value (a flag has a value of its own when present). */
    private static boolean valued(org.apache.felix.service.command.Parameter option) {
        return option.presentValue().equals(org.apache.felix.service.command.Parameter.UNSPECIFIED);
    }

    /** {@code usage: NAME OPERANDS [OPTIONS]}, then what the command does and each option. */
    static String of(Class<?> commands, String name) {
        Method method = method(commands, name);
        StringBuilder line = new StringBuilder("usage: ").append(name);
        StringBuilder flags = new StringBuilder();
        StringBuilder options = new StringBuilder();
        for (Parameter p : method.getParameters()) {
            org.apache.felix.service.command.Parameter option = p.getAnnotation(org.apache.felix.service.command.Parameter.class);
            Descriptor d = p.getAnnotation(Descriptor.class);
            String text = d == null ? "" : d.value();
            if (option == null) {
                line.append(text.isEmpty() ? "" : " " + text);
                continue;
            }
            String longName = option.names()[option.names().length - 1];
            if (longName.equals(HELP_LONG)) {
                continue;
            }
            boolean flag = !valued(option);
            int colon = text.indexOf(':');
            String value = flag || colon < 0 ? "" : " " + text.substring(0, colon);
            flags.append(" [").append(longName).append(value).append(']');
            options.append("\n  ").append(longName).append(value).append(": ")
                    .append(flag || colon < 0 ? text : text.substring(colon + 1).trim());
        }
        Descriptor what = method.getAnnotation(Descriptor.class);
        return line.append(flags) + (what == null ? "" : "\n  " + what.value()) + options;
    }

    /**
     * Why the words given to a command fit none of its forms, with its usage. Gogo, when no method
     * of a command class takes the words, calls the class's {@code _main(Word...)} with the
     * command's name first (otherwise it would only say "Cannot coerce NAME(...)"); the usual case
     * is an option that takes a value, given last without it, and the message names the option and
     * the value it wants.
     */
    static IllegalArgumentException unfit(Class<?> commands, Word... words) {
        String name = words.length == 0 ? "" : words[0].toString();
        String last = words.length < 2 ? "" : words[words.length - 1].toString();
        String usage = of(commands, name);
        for (Parameter p : method(commands, name).getParameters()) {
            org.apache.felix.service.command.Parameter option = p.getAnnotation(org.apache.felix.service.command.Parameter.class);
            Descriptor d = p.getAnnotation(Descriptor.class);
            if (option != null && d != null && valued(option) && Arrays.asList(option.names()).contains(last)) {
                return new IllegalArgumentException(name + ": " + last + " needs a value (" + d.value() + ")\n" + usage);
            }
        }
        return new IllegalArgumentException(name + ": these options and operands fit none of its forms\n" + usage);
    }

    /**
     * The operands, once checked: an option that the command does not know is refused, and so is a
     * number of operands outside {@code min..max}; each message ends with the usage.
     */
    static List<String> operands(Class<?> commands, String name, String[] operands, int min, int max) {
        for (String o : operands) {
            if (o.startsWith("--") || (o.startsWith("-") && o.length() == 2 && !Character.isDigit(o.charAt(1)))) {
                throw new IllegalArgumentException(name + ": unknown option '" + o + "'\n" + of(commands, name));
            }
        }
        if (operands.length < min) {
            throw new IllegalArgumentException(name + ": missing argument\n" + of(commands, name));
        }
        if (operands.length > max) {
            throw new IllegalArgumentException(name + ": unexpected argument '" + operands[max] + "'\n" + of(commands, name));
        }
        return List.of(operands);
    }
}

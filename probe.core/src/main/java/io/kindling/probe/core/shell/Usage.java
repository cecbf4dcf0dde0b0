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

    /** {@code usage: NAME OPERANDS [OPTIONS]}, then what the command does and each option. */
    static String of(Class<?> commands, String name) {
        Method method = Arrays.stream(commands.getMethods()).filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no command " + name));
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
            boolean flag = !option.presentValue().equals(org.apache.felix.service.command.Parameter.UNSPECIFIED);
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

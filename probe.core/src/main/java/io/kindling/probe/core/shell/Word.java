package io.kindling.probe.core.shell;

/**
 * One word of a command line, as Gogo hands the words to a command class's {@code _main} method:
 * Gogo makes it through this public constructor from the word's text (see {@link Usage#unfit}).
 *
 * <p>Gogo calls the method whose arguments cost it least to convert, and {@code _main} only when
 * no form of the command takes the words: each word costs 4 there (its conversion to a Word and
 * its place in the array), plus 4 for the command's name, where a command's own form costs 2 per
 * operand and 2 per boolean parameter. So a command of such a class has at most one boolean
 * parameter (its {@code --help}); its other flags take their value as text ({@code "true"} or
 * {@code "false"}), or a command without words would cost as much as {@code _main} with its name.
 */
public final class Word {
    private final String text;

    public Word(String text) {
        this.text = text;
    }

    @Override
    public String toString() {
        return text;
    }
}

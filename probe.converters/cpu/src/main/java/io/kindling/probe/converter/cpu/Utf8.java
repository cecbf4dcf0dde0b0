package io.kindling.probe.converter.cpu;

/** Lengths of text in UTF-8 bytes, without encoding it. */
final class Utf8 {
    private Utf8() {}

    /** The UTF-8 length of {@code text[from, to)}; an unpaired surrogate counts as the 3 bytes of its replacement. */
    static int length(CharSequence text, int from, int to) {
        int bytes = 0;
        for (int i = from; i < to; i++) {
            bytes += width(text, i);
            if (isPair(text, i)) {
                i++;
            }
        }
        return bytes;
    }

    /** How many chars of {@code text}, from its start, fit in {@code room} UTF-8 bytes; a surrogate pair is never cut. */
    static int prefixFitting(CharSequence text, int room) {
        int bytes = 0;
        int i = 0;
        while (i < text.length()) {
            int w = width(text, i);
            if (bytes + w > room) {
                break;
            }
            bytes += w;
            i += isPair(text, i) ? 2 : 1;
        }
        return i;
    }

    private static boolean isPair(CharSequence text, int i) {
        return Character.isHighSurrogate(text.charAt(i)) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
    }

    /** The UTF-8 bytes of the code point at {@code i}. */
    private static int width(CharSequence text, int i) {
        char c = text.charAt(i);
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        return isPair(text, i) ? 4 : 3;
    }
}

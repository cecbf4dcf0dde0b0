package io.kindling.probe.sink.jsonl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The JSON writer's output: a byte buffer in front of the target, into which numbers and text are
 * encoded directly (text as UTF-8 with RFC 8259's escapes), drained when it is full. Not thread-safe.
 */
final class JsonBuffer {
    static final byte[] NULL = ascii("null");
    static final byte[] TRUE = ascii("true");
    static final byte[] FALSE = ascii("false");
    private static final byte[] HEX = ascii("0123456789abcdef");
    private static final byte[] MIN_LONG = ascii(Long.toString(Long.MIN_VALUE));

    private final OutputStream target;
    private final byte[] buf;
    private final byte[] digits = new byte[20];
    private int pos;
    private long drains;

    JsonBuffer(OutputStream target, int size) {
        this.target = target;
        this.buf = new byte[size];
    }

    /** The bytes written since {@code start} (a {@link #renderStart}), to be written again later with {@link #raw(byte[])}. */
    byte[] copyFrom(int start) {
        return Arrays.copyOfRange(buf, start, pos);
    }

    /**
     * Makes room for rendering a part of about {@code chars} characters of text in one piece, and
     * returns where it starts; -1 when it might not fit the buffer (it is then not remembered).
     */
    int renderStart(int chars) throws IOException {
        int room = 200 + 6 * chars;
        if (room > buf.length) {
            return -1;
        }
        ensure(room);
        return pos;
    }

    /** A finite number as written by Java; NaN and the infinities as strings, as JSON has no such numbers. */
    void floating(String text, boolean finite) throws IOException {
        if (finite) {
            raw(ascii(text));
        } else {
            string(text);
        }
    }

    void unsigned(long value) throws IOException {
        if (value >= 0) {
            number(value);
        } else {
            raw(ascii(Long.toUnsignedString(value)));
        }
    }

    void number(long value) throws IOException {
        if (value == Long.MIN_VALUE) {
            raw(MIN_LONG);
            return;
        }
        ensure(20);
        if (value < 0) {
            buf[pos++] = '-';
            value = -value;
        }
        int start = digits.length;
        do {
            long q = value / 10;
            digits[--start] = (byte) ('0' + (value - q * 10));
            value = q;
        } while (value != 0);
        int n = digits.length - start;
        System.arraycopy(digits, start, buf, pos, n);
        pos += n;
    }

    void string(String s) throws IOException {
        if (s == null) {
            raw(NULL);
            return;
        }
        raw('"');
        int n = s.length();
        int i = 0;
        if (n + 1 <= buf.length - pos || (drainIfShort(n + 1))) {
            // room for the plain ASCII run: no bounds checks per character
            for (; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                    break;
                }
                buf[pos++] = (byte) c;
            }
        }
        if (i < n) {
            rest(s, i);
        }
        raw('"');
    }

    /** The characters of {@code s} from {@code i} on: escaped, or encoded as UTF-8. */
    private void rest(String s, int i) throws IOException {
        int n = s.length();
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                if (pos == buf.length) {
                    drain();
                }
                buf[pos++] = (byte) c;
            } else if (c < 0x80) {
                escape(c);
            } else {
                ensure(4);
                if (c < 0x800) {
                    buf[pos++] = (byte) (0xc0 | (c >> 6));
                    buf[pos++] = (byte) (0x80 | (c & 0x3f));
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    buf[pos++] = (byte) (0xf0 | (cp >> 18));
                    buf[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                    buf[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                    buf[pos++] = (byte) (0x80 | (cp & 0x3f));
                } else if (Character.isSurrogate(c)) {
                    buf[pos++] = (byte) 0xef; // a lone surrogate: U+FFFD
                    buf[pos++] = (byte) 0xbf;
                    buf[pos++] = (byte) 0xbd;
                } else {
                    buf[pos++] = (byte) (0xe0 | (c >> 12));
                    buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                    buf[pos++] = (byte) (0x80 | (c & 0x3f));
                }
            }
        }
    }

    private void escape(char c) throws IOException {
        ensure(6);
        buf[pos++] = '\\';
        switch (c) {
            case '"' -> buf[pos++] = '"';
            case '\\' -> buf[pos++] = '\\';
            case '\n' -> buf[pos++] = 'n';
            case '\r' -> buf[pos++] = 'r';
            case '\t' -> buf[pos++] = 't';
            case '\b' -> buf[pos++] = 'b';
            case '\f' -> buf[pos++] = 'f';
            default -> {
                buf[pos++] = 'u';
                buf[pos++] = '0';
                buf[pos++] = '0';
                buf[pos++] = HEX[c >> 4];
                buf[pos++] = HEX[c & 0xf];
            }
        }
    }

    void raw(char c) throws IOException {
        if (pos == buf.length) {
            drain();
        }
        buf[pos++] = (byte) c;
    }

    void raw(byte[] bytes) throws IOException {
        if (bytes.length > buf.length - pos) {
            drain();
            if (bytes.length > buf.length) {
                target.write(bytes);
                return;
            }
        }
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    /** Drains when fewer than {@code room} bytes are free; whether there is room then. */
    private boolean drainIfShort(int room) throws IOException {
        drain();
        return room <= buf.length;
    }

    private void ensure(int room) throws IOException {
        if (buf.length - pos < room) {
            drain();
        }
    }

    private void drain() throws IOException {
        if (pos > 0) {
            target.write(buf, 0, pos);
            pos = 0;
            drains++;
        }
    }

    /** How often the buffer was passed on to the target so far. */
    long drains() {
        return drains;
    }

    /** The buffered bytes but the last {@code cut}, as a new array, taken out of the buffer instead of passed on. */
    byte[] take(int cut) {
        byte[] bytes = Arrays.copyOf(buf, Math.max(0, pos - cut));
        pos = 0;
        return bytes;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes what is buffered through to the target and flushes it. */
    void flush() throws IOException {
        drain();
        target.flush();
    }

    /** Drains and closes the target. */
    void close() throws IOException {
        try {
            drain();
        } finally {
            target.close();
        }
    }
}

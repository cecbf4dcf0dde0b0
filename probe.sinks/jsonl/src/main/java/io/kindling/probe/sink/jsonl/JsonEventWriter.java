package io.kindling.probe.sink.jsonl;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Writes events as JSON Lines, one object a line, in the probe's JSON format:
 * <pre>
 * {"name":"syscall_exit-read","category":"file","source":"syscall_exit","timestamp":1700000000123456789,"latency":2500,
 *  "thread":{"pid":100,"tid":101,"uid":0,"gid":0,"comm":"cat","container_id":""},
 *  "fd":{"num":3,"type":"file","filename":"passwd","directory":"/etc"},
 *  "attributes":{"res":1024,"data":"cm9vdDp4OjA6MA=="}}
 * </pre>
 * (shown on several lines here, written on one). {@code thread} and {@code fd} are left out when
 * the event has none, and of the fd only what converters filled is written: {@code filename} and
 * {@code directory}; or {@code protocol}, {@code role} ({@code server} or {@code client}),
 * {@code sip}, {@code sport}, {@code dip}, {@code dport}; or the unix endpoints {@code source} and
 * {@code destination} (unsigned numbers). Attribute values: integers as JSON numbers read at their
 * type's width (unsigned types, {@code UINT64} included, without sign), floating point as numbers,
 * text as strings, bytes as base64 (standard alphabet, padded), booleans as booleans.
 * <p>
 * Text is written as UTF-8 with the short escapes of RFC 8259 for the quote, the backslash,
 * newline, carriage return, tab, backspace and form feed, and six-character escapes for the other
 * control characters.
 * The writer encodes straight into its own buffer: the hot path allocates nothing for ASCII text
 * and numbers.
 * <p>
 * The writer owns its target: {@link #close()} closes it. It is not thread-safe.
 */
public final class JsonEventWriter implements Flushable, Closeable {

    /** Size of the output buffer in bytes. */
    public static final int BUFFER_SIZE = 64 * 1024;

    private static final byte[] NAME = ascii("{\"name\":");
    private static final byte[] CATEGORY = ascii(",\"category\":");
    private static final byte[] SOURCE = ascii(",\"source\":");
    private static final byte[] TIMESTAMP = ascii(",\"timestamp\":");
    private static final byte[] LATENCY = ascii(",\"latency\":");
    private static final byte[] THREAD_PID = ascii(",\"thread\":{\"pid\":");
    private static final byte[] TID = ascii(",\"tid\":");
    private static final byte[] UID = ascii(",\"uid\":");
    private static final byte[] GID = ascii(",\"gid\":");
    private static final byte[] COMM = ascii(",\"comm\":");
    private static final byte[] CONTAINER_ID = ascii(",\"container_id\":");
    private static final byte[] FD_NUM = ascii(",\"fd\":{\"num\":");
    private static final byte[] TYPE = ascii(",\"type\":");
    private static final byte[] FILENAME = ascii(",\"filename\":");
    private static final byte[] DIRECTORY = ascii(",\"directory\":");
    private static final byte[] PROTOCOL = ascii(",\"protocol\":");
    private static final byte[] ROLE = ascii(",\"role\":");
    private static final byte[] SIP = ascii(",\"sip\":");
    private static final byte[] SPORT = ascii(",\"sport\":");
    private static final byte[] DIP = ascii(",\"dip\":");
    private static final byte[] DPORT = ascii(",\"dport\":");
    private static final byte[] UNIX_SOURCE = ascii(",\"source\":");
    private static final byte[] UNIX_DESTINATION = ascii(",\"destination\":");
    private static final byte[] ATTRIBUTES = ascii(",\"attributes\":{");
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] HEX = ascii("0123456789abcdef");
    private static final byte[] MIN_LONG = ascii(Long.toString(Long.MIN_VALUE));

    private final OutputStream target;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private final byte[] digits = new byte[20];
    private static final int CACHE = 256;
    private final String[] headNames = new String[CACHE];
    private final Category[] headCategories = new Category[CACHE];
    private final Source[] headSources = new Source[CACHE];
    private final byte[][] headBytes = new byte[CACHE][];
    private final ThreadContext[] threads = new ThreadContext[CACHE];
    private final byte[][] threadBytes = new byte[CACHE][];
    private int pos;

    public JsonEventWriter(OutputStream target) {
        this.target = target;
    }

    /** Writes one event and its line separator. */
    public void write(KindlingEvent event) throws IOException {
        writeHead(event);
        raw(TIMESTAMP);
        number(event.timestamp());
        raw(LATENCY);
        number(event.latency());
        ThreadContext thread = event.thread();
        if (thread != null) {
            writeThread(thread);
        }
        FdContext fd = event.fd();
        if (fd != null) {
            writeFd(fd);
        }
        raw(ATTRIBUTES);
        boolean first = true;
        for (Attribute attribute : event.attributes()) {
            if (!first) {
                raw(',');
            }
            first = false;
            string(attribute.key());
            raw(':');
            writeValue(attribute);
        }
        raw('}');
        raw('}');
        raw('\n');
    }

    /**
     * The name, category and source, as bytes remembered per event name: the core hands out one
     * name String per event type, and a thread's context is one object while it does not change,
     * so most events reuse what an earlier one rendered.
     */
    private void writeHead(KindlingEvent event) throws IOException {
        String name = event.name();
        int slot = System.identityHashCode(name) & (CACHE - 1);
        if (headNames[slot] == name && headCategories[slot] == event.category() && headSources[slot] == event.source()) {
            raw(headBytes[slot]);
            return;
        }
        int start = renderStart(name.length());
        raw(NAME);
        string(name);
        raw(CATEGORY);
        string(event.category() == null ? null : event.category().label());
        raw(SOURCE);
        string(event.source() == null ? null : event.source().label());
        if (start >= 0) {
            headNames[slot] = name;
            headCategories[slot] = event.category();
            headSources[slot] = event.source();
            headBytes[slot] = Arrays.copyOfRange(buf, start, pos);
        }
    }

    private void writeThread(ThreadContext thread) throws IOException {
        int slot = System.identityHashCode(thread) & (CACHE - 1);
        if (threads[slot] == thread) {
            raw(threadBytes[slot]);
            return;
        }
        int start = renderStart(thread.comm().length() + thread.containerId().length());
        raw(THREAD_PID);
        number(thread.pid());
        raw(TID);
        number(thread.tid());
        raw(UID);
        number(thread.uid());
        raw(GID);
        number(thread.gid());
        raw(COMM);
        string(thread.comm());
        raw(CONTAINER_ID);
        string(thread.containerId());
        raw('}');
        if (start >= 0) {
            threads[slot] = thread;
            threadBytes[slot] = Arrays.copyOfRange(buf, start, pos);
        }
    }

    /**
     * Makes room for rendering a part of about {@code chars} characters of text in one piece, and
     * returns where it starts; -1 when it might not fit the buffer (it is then not remembered).
     */
    private int renderStart(int chars) throws IOException {
        int room = 200 + 6 * chars;
        if (room > buf.length) {
            return -1;
        }
        ensure(room);
        return pos;
    }

    private void writeFd(FdContext fd) throws IOException {
        raw(FD_NUM);
        number(fd.num());
        raw(TYPE);
        string(fd.type() == null ? null : fd.type().label());
        if (fd.filename() != null) {
            raw(FILENAME);
            string(fd.filename());
        }
        if (fd.directory() != null) {
            raw(DIRECTORY);
            string(fd.directory());
        }
        if (fd.protocol() != null) {
            raw(PROTOCOL);
            string(fd.protocol().label());
        }
        if (fd.serverRole() != null) {
            raw(ROLE);
            string(fd.serverRole() ? "server" : "client");
        }
        if (fd.sip() != null) {
            raw(SIP);
            string(fd.sip());
        }
        if (fd.sport() != null) {
            raw(SPORT);
            number(fd.sport().intValue());
        }
        if (fd.dip() != null) {
            raw(DIP);
            string(fd.dip());
        }
        if (fd.dport() != null) {
            raw(DPORT);
            number(fd.dport().intValue());
        }
        if (fd.unixSource() != null) {
            raw(UNIX_SOURCE);
            unsigned(fd.unixSource());
        }
        if (fd.unixDestination() != null) {
            raw(UNIX_DESTINATION);
            unsigned(fd.unixDestination());
        }
        raw('}');
    }

    private void writeValue(Attribute attribute) throws IOException {
        Object value = attribute.value();
        ValueType type = attribute.type();
        if (value instanceof Number n) {
            switch (type) {
                case INT8 -> number((byte) n.longValue());
                case INT16 -> number((short) n.longValue());
                case INT32 -> number((int) n.longValue());
                case INT64 -> number(n.longValue());
                case UINT8 -> number(n.longValue() & 0xffL);
                case UINT16 -> number(n.longValue() & 0xffffL);
                case UINT32 -> number(n.longValue() & 0xffff_ffffL);
                case UINT64 -> unsigned(n.longValue());
                case FLOAT -> floating(Float.toString(n.floatValue()), Float.isFinite(n.floatValue()));
                default -> {
                    if (n instanceof Double || n instanceof Float) {
                        floating(Double.toString(n.doubleValue()), Double.isFinite(n.doubleValue()));
                    } else {
                        number(n.longValue());
                    }
                }
            }
        } else if (value instanceof byte[] bytes) {
            raw('"');
            raw(Base64.getEncoder().encode(bytes));
            raw('"');
        } else if (value instanceof Boolean b) {
            raw(b ? TRUE : FALSE);
        } else {
            string(String.valueOf(value));
        }
    }

    /** A finite number as written by Java; NaN and the infinities as strings, as JSON has no such numbers. */
    private void floating(String text, boolean finite) throws IOException {
        if (finite) {
            raw(ascii(text));
        } else {
            string(text);
        }
    }

    private void unsigned(long value) throws IOException {
        if (value >= 0) {
            number(value);
        } else {
            raw(ascii(Long.toUnsignedString(value)));
        }
    }

    private void number(long value) throws IOException {
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

    private void string(String s) throws IOException {
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
        raw('"');
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

    private void raw(char c) throws IOException {
        if (pos == buf.length) {
            drain();
        }
        buf[pos++] = (byte) c;
    }

    private void raw(byte[] bytes) throws IOException {
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
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes what is buffered through to the target and flushes it. */
    @Override
    public void flush() throws IOException {
        drain();
        target.flush();
    }

    /** Flushes and closes the target. */
    @Override
    public void close() throws IOException {
        try {
            drain();
        } finally {
            target.close();
        }
    }
}

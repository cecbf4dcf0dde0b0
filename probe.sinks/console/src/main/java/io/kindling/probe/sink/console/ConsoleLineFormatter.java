package io.kindling.probe.sink.console;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;

/**
 * One readable line per event, for people watching a terminal:
 * <pre>
 * 22:13:20.123456789 curl 4021/4022 &lt; sendto net latency=21450ns fd=3(ipv6 udp [2600:1f18::1]:40251-&gt;[2001:4860:4860::8888]:53) res=30 data="\x124\x01\x00"
 * </pre>
 * Fields, separated by single spaces: the time of day in UTC with nanoseconds; the command and
 * {@code pid/tid} ({@code - -} without thread); for a syscall's entry {@code >}, for its exit
 * {@code <} (as sysdig shows the direction); event name and category; {@code latency=Nns} when
 * it is positive; the fd, {@code fd=NUM(TYPE ...)}, with the file path, or protocol and
 * {@code sip:sport->dip:dport} (IPv6 addresses in brackets, {@code -} for an unknown one), or the
 * unix endpoints in hex; then the attributes as {@code key=value}: numbers as numbers (unsigned
 * types unsigned), text as it is, bytes in double quotes with everything but printable ASCII
 * escaped, at most {@value #BYTES_SHOWN} bytes of them followed by {@code ...} when cut. Control
 * characters are escaped everywhere, so that each event stays on one line.
 */
public final class ConsoleLineFormatter {

    /** How many bytes of a byte buffer attribute the line shows. */
    public static final int BYTES_SHOWN = 64;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int SECONDS_PER_DAY = 86_400;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ConsoleLineFormatter() {}

    /** The event's line, without line separator. */
    public static String format(KindlingEvent event) {
        return appendTo(new StringBuilder(160), event).toString();
    }

    /** Appends the event's line, without line separator, to {@code out}; returns {@code out}. */
    public static StringBuilder appendTo(StringBuilder out, KindlingEvent event) {
        appendTime(out, event.timestamp());
        ThreadContext thread = event.thread();
        if (thread == null) {
            out.append(" - -");
        } else {
            out.append(' ');
            appendText(out, thread.comm() == null ? "-" : thread.comm());
            out.append(' ').append(thread.pid()).append('/').append(thread.tid());
        }
        out.append(' ');
        if (event.source() == Source.SYSCALL_ENTER) {
            out.append("> ");
        } else if (event.source() == Source.SYSCALL_EXIT) {
            out.append("< ");
        }
        appendText(out, event.name());
        out.append(' ').append(event.category() == null ? "-" : event.category().label());
        if (event.latency() > 0) {
            out.append(" latency=").append(event.latency()).append("ns");
        }
        if (event.fd() != null) {
            out.append(' ');
            appendFd(out, event.fd());
        }
        for (Attribute attribute : event.attributes()) {
            out.append(' ');
            appendText(out, attribute.key());
            out.append('=');
            appendValue(out, attribute);
        }
        return out;
    }

    /** {@code HH:mm:ss.nnnnnnnnn} in UTC for nanoseconds since the epoch. */
    static void appendTime(StringBuilder out, long epochNanos) {
        long seconds = Math.floorDiv(epochNanos, NANOS_PER_SECOND);
        int nanos = (int) Math.floorMod(epochNanos, NANOS_PER_SECOND);
        int secondOfDay = Math.floorMod(seconds, SECONDS_PER_DAY);
        appendPadded(out, secondOfDay / 3600, 2);
        out.append(':');
        appendPadded(out, secondOfDay / 60 % 60, 2);
        out.append(':');
        appendPadded(out, secondOfDay % 60, 2);
        out.append('.');
        appendPadded(out, nanos, 9);
    }

    private static void appendPadded(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        out.append(digits);
    }

    static void appendFd(StringBuilder out, FdContext fd) {
        out.append("fd=").append(fd.num()).append('(').append(fd.type() == null ? "-" : fd.type().label());
        if (fd.filename() != null) {
            out.append(' ');
            String directory = fd.directory();
            if (directory != null && !directory.equals("/")) {
                appendText(out, directory);
            }
            out.append('/');
            appendText(out, fd.filename());
        }
        if (fd.protocol() != null) {
            out.append(' ').append(fd.protocol().label()).append(' ');
            appendEndpoint(out, fd.sip(), fd.sport());
            out.append("->");
            appendEndpoint(out, fd.dip(), fd.dport());
        }
        if (fd.unixSource() != null) {
            out.append(" 0x").append(Long.toHexString(fd.unixSource()))
                    .append("->0x").append(Long.toHexString(fd.unixDestination() == null ? 0 : fd.unixDestination()));
        }
        out.append(')');
    }

    private static void appendEndpoint(StringBuilder out, String ip, Integer port) {
        if (ip == null) {
            out.append('-');
        } else if (ip.indexOf(':') >= 0) {
            out.append('[').append(ip).append(']');
        } else {
            out.append(ip);
        }
        out.append(':');
        if (port == null) {
            out.append('-');
        } else {
            out.append(port.intValue());
        }
    }

    static void appendValue(StringBuilder out, Attribute attribute) {
        Object value = attribute.value();
        switch (attribute.type()) {
            case INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64 -> {
                if (value instanceof Number n) {
                    out.append(integerText(attribute.type(), n.longValue()));
                    return;
                }
            }
            case FLOAT -> {
                if (value instanceof Number n) {
                    out.append(n.floatValue());
                    return;
                }
            }
            case DOUBLE -> {
                if (value instanceof Number n) {
                    out.append(n.doubleValue());
                    return;
                }
            }
            default -> { }
        }
        // By the value's own class: CHARBUF, BYTEBUF, BOOL, NONE, or a value that does not fit its type.
        if (value instanceof byte[] bytes) {
            appendBytes(out, bytes);
        } else if (value instanceof String text) {
            appendText(out, text);
        } else {
            appendText(out, String.valueOf(value));
        }
    }

    /**
     * An integer of the given type as text: a signed type read at its width, an unsigned one
     * without sign (a 64-bit unsigned value keeps its bits in the long).
     */
    static String integerText(ValueType type, long value) {
        return switch (type) {
            case INT8 -> Byte.toString((byte) value);
            case INT16 -> Short.toString((short) value);
            case INT32 -> Integer.toString((int) value);
            case UINT8 -> Long.toString(value & 0xffL);
            case UINT16 -> Long.toString(value & 0xffffL);
            case UINT32 -> Long.toString(value & 0xffff_ffffL);
            case UINT64 -> Long.toUnsignedString(value);
            default -> Long.toString(value);
        };
    }

    /** Text as it is, with control characters and backslashes escaped. */
    static void appendText(StringBuilder out, String text) {
        if (text == null) {
            out.append('-');
            return;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c < 0x20 || c == 0x7f) {
                appendEscape(out, c);
            } else {
                out.append(c);
            }
        }
    }

    /** Up to {@value #BYTES_SHOWN} bytes in double quotes, printable ASCII as it is, the rest escaped. */
    static void appendBytes(StringBuilder out, byte[] bytes) {
        int shown = Math.min(bytes.length, BYTES_SHOWN);
        out.append('"');
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xff;
            if (b == '"' || b == '\\') {
                out.append('\\').append((char) b);
            } else if (b >= 0x20 && b < 0x7f) {
                out.append((char) b);
            } else {
                appendEscape(out, b);
            }
        }
        out.append('"');
        if (bytes.length > shown) {
            out.append("...");
        }
    }

    private static void appendEscape(StringBuilder out, int c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> out.append("\\x").append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
        }
    }
}

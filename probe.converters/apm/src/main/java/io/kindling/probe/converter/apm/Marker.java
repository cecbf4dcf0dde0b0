package io.kindling.probe.converter.apm;

import java.nio.charset.StandardCharsets;

/**
 * A marker that Kindling's Java agent writes to a file, parsed as the Kindling probe reads it: a prefix,
 * then fields each ended by {@code !}.
 * <ul>
 * <li>{@code kd-jf@START!END!TID!}: the thread waited for a lock (a futex) from START to END (ns);</li>
 * <li>{@code kd-txid@TRACE_ID!IS_ENTER!PROTOCOL!URL!}: a request begins (IS_ENTER 1) or ends (0);</li>
 * <li>{@code kd-span@1!START!SPAN!TRACE_ID!} and the older {@code kd-span@DURATION!SPAN!TRACE_ID!}: a
 * span of the request ended with this write; it began at START, or DURATION ns before the write;</li>
 * <li>{@code kd-tm@TID!NAME!}: the Java name of thread TID of the writing process.</li>
 * </ul>
 * As in the Kindling probe, a prefix counts only when more bytes follow it, and what follows the last
 * field is ignored. Unlike it, a marker whose fields are not all there and ended, whose times or thread
 * id are not decimal numbers, or whose IS_ENTER is neither 0 nor 1, is malformed: it gives nothing.
 */
record Marker(Kind kind, String[] fields, boolean versioned) {

    enum Kind { FUTEX, TRACE, SPAN, THREAD_NAME }

    private static final byte[] JF = ascii("kd-jf@");
    private static final byte[] TXID = ascii("kd-txid@");
    private static final byte[] SPAN = ascii("kd-span@");
    private static final byte[] TM = ascii("kd-tm@");

    /** Thrown for a write that carries a marker prefix but not a well-formed marker. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String why) {
            super(why, null, false, false);
        }
    }

    /** The kind of marker the bytes start with, or null when they carry none. */
    static Kind prefix(byte[] data, int length) {
        if (startsWith(data, length, JF)) {
            return Kind.FUTEX;
        }
        if (startsWith(data, length, TXID)) {
            return Kind.TRACE;
        }
        if (startsWith(data, length, SPAN)) {
            return Kind.SPAN;
        }
        if (startsWith(data, length, TM)) {
            return Kind.THREAD_NAME;
        }
        return null;
    }

    /** The marker in the first {@code length} bytes, or null when they carry none. */
    static Marker parse(byte[] data, int length) throws Malformed {
        Kind kind = prefix(data, length);
        if (kind == null) {
            return null;
        }
        switch (kind) {
            case FUTEX -> {
                String[] f = fields(data, length, JF.length, 3);
                number(f[0], "start time");
                number(f[1], "end time");
                number(f[2], "thread id");
                return new Marker(kind, f, false);
            }
            case TRACE -> {
                String[] f = fields(data, length, TXID.length, 4);
                if (f[0].isEmpty()) {
                    throw new Malformed("no trace id");
                }
                if (!f[1].equals("0") && !f[1].equals("1")) {
                    throw new Malformed("is_enter '" + f[1] + "' is neither 1 nor 0");
                }
                return new Marker(kind, f, false);
            }
            case SPAN -> {
                if (length < 10) {
                    throw new Malformed("too short for a span");
                }
                boolean versioned = data[8] == '1' && data[9] == '!';
                String[] f = fields(data, length, versioned ? 10 : 8, 3);
                number(f[0], versioned ? "start time" : "duration");
                return new Marker(kind, f, versioned);
            }
            default -> {
                String[] f = fields(data, length, TM.length, 2);
                number(f[0], "thread id");
                if (f[1].isEmpty()) {
                    throw new Malformed("no thread name");
                }
                return new Marker(kind, f, false);
            }
        }
    }

    long number(int field) {
        return Long.parseLong(fields[field]);
    }

    private static String[] fields(byte[] data, int length, int from, int count) throws Malformed {
        String[] out = new String[count];
        int start = from;
        int n = 0;
        for (int i = from; i < length && n < count; i++) {
            if (data[i] == '!') {
                out[n++] = new String(data, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
            }
        }
        if (n < count) {
            throw new Malformed(count + " fields ended by '!' expected, " + n + " found");
        }
        return out;
    }

    private static void number(String s, String what) throws Malformed {
        boolean digits = !s.isEmpty();
        for (int i = 0; i < s.length() && digits; i++) {
            char c = s.charAt(i);
            digits = c >= '0' && c <= '9';
        }
        try {
            if (digits) {
                Long.parseLong(s);
                return;
            }
        } catch (NumberFormatException e) {
            // too long for a long
        }
        throw new Malformed(what + " '" + s + "' is no number");
    }

    private static boolean startsWith(byte[] data, int length, byte[] prefix) {
        if (length <= prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

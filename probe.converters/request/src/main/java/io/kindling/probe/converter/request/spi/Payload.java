package io.kindling.probe.converter.request.spi;

/**
 * The bytes of one read or write, from where a message starts: {@link #captured()} bytes are known (the
 * capture keeps only the first bytes of each call, its snaplen), {@link #remaining()} bytes the call moved from
 * here on (at least as many). A parser reads the head of a message and never more than {@link #captured()}.
 */
public final class Payload {
    private final byte[] data;
    private final int offset;
    private final int captured;
    private final long remaining;
    private final boolean datagram;
    private final Object[] connection;
    private boolean beyond;

    public Payload(byte[] data, int offset, int captured, long remaining, boolean datagram) {
        this(data, offset, captured, remaining, datagram, null);
    }

    /** Bytes of a connection whose parser state lives in {@code connection[0]} (see {@link #connectionState}). */
    public Payload(byte[] data, int offset, int captured, long remaining, boolean datagram, Object[] connection) {
        this.connection = connection != null && connection.length > 0 ? connection : null;
        this.data = data;
        this.offset = offset;
        this.captured = Math.max(0, Math.min(captured, data.length - offset));
        this.remaining = Math.max(remaining, this.captured);
        this.datagram = datagram;
    }

    /** Bytes known from the message's start. */
    public int captured() {
        return captured;
    }

    /** Bytes the call moved from the message's start (known or not). */
    public long remaining() {
        return remaining;
    }

    /** Whether the bytes are one whole datagram (UDP), rather than a piece of a stream. */
    public boolean datagram() {
        return datagram;
    }

    /**
     * Whether the parser asked for a number (or {@link #startsWith} compared bytes) beyond the known bytes: where
     * the call's bytes were all known and the message goes on in the next call, its head was cut there, and the
     * converter reads it again with the next call's bytes joined. @since 1.4
     */
    public boolean readBeyond() {
        return beyond;
    }

    /**
     * Whether the {@code size} bytes at {@code index} are known; asking for bytes beyond the known ones counts as
     * reading beyond them ({@link #readBeyond()}). @since 1.4
     */
    public boolean known(int index, int size) {
        if (index >= 0 && index + size <= captured) {
            return true;
        }
        beyond |= index >= 0;
        return false;
    }

    /** The byte at {@code index} (from the message's start) as 0..255, or -1 beyond what is known. */
    public int u8(int index) {
        return known(index, 1) ? data[offset + index] & 0xff : -1;
    }

    /** A big-endian unsigned 16-bit number at {@code index}, or -1 beyond what is known. */
    public int u16(int index) {
        return known(index, 2) ? (u8(index) << 8) | u8(index + 1) : -1;
    }

    /** A big-endian signed 32-bit number at {@code index}; {@link Long#MIN_VALUE} beyond what is known. */
    public long i32(int index) {
        return known(index, 4) ? (long) ((u8(index) << 24) | (u8(index + 1) << 16) | (u8(index + 2) << 8) | u8(index + 3))
                : Long.MIN_VALUE;
    }

    /** A little-endian unsigned number of {@code size} bytes (at most 4) at {@code index}, or -1 beyond what is known. */
    public long le(int index, int size) {
        if (!known(index, size)) {
            return -1;
        }
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | u8(index + i);
        }
        return v;
    }

    /** Copies the known bytes in [from, from + length) into {@code to} at {@code at}; returns how many were known. */
    public int copy(int from, int length, byte[] to, int at) {
        int a = Math.max(0, from);
        int n = Math.min(Math.min(length, captured - a), to.length - at);
        if (n <= 0 || at < 0) {
            return 0;
        }
        System.arraycopy(data, offset + a, to, at, n);
        return n;
    }

    /** The first index at or after {@code from} of {@code b}, or -1. */
    public int indexOf(int from, byte b) {
        for (int i = Math.max(0, from); i < captured; i++) {
            if (data[offset + i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The first index at or after {@code from} where {@code pattern} starts, or -1. */
    public int indexOf(int from, byte[] pattern) {
        outer:
        for (int i = Math.max(0, from); i + pattern.length <= captured; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[offset + i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Whether the bytes at {@code index} are those of {@code ascii}. */
    public boolean startsWith(int index, String ascii) {
        if (!known(index, ascii.length())) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (data[offset + index + i] != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The known bytes in [from, to) as text (ISO-8859-1, then read as UTF-8 where valid), cut to what is known. */
    public String text(int from, int to) {
        int a = Math.max(0, from);
        int b = Math.min(to, captured);
        if (b <= a) {
            return "";
        }
        return new String(data, offset + a, b - a, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * What the parser keeps for the connection these bytes travel on (MySQL's prepared statements' texts), made by
     * {@code initial} at its first use and forgotten with the connection; null where the bytes come with no
     * connection. The parser keeps it small and bounded.
     */
    public <T> T connectionState(Class<T> type, java.util.function.Supplier<T> initial) {
        if (connection == null) {
            return null;
        }
        Object o = connection[0];
        if (!type.isInstance(o)) {
            o = initial.get();
            connection[0] = o;
        }
        return type.cast(o);
    }
}

package io.kindling.probe.inspector;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Remembers the strings last decoded from batch memory (command names, container ids, fd names),
 * so that the same bytes give the same String without a new allocation. A direct-mapped table:
 * a collision simply replaces the older entry. Bytes are hashed and compared eight at a time (the
 * buffer must be in little-endian order, as batch memory is).
 * Used by the event loop thread only.
 */
final class StringCache {
    private static final int SIZE = 4096;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[][] keys = new byte[SIZE][];
    private final String[] values = new String[SIZE];
    /** The last string returned: an exit event usually repeats its enter event's strings. */
    private byte[] lastKey;
    private String lastValue;

    String get(ByteBuffer buf, int offset, int length) {
        if (length == 0) {
            return "";
        }
        if (lastKey != null && lastKey.length == length && matches(buf, offset, lastKey)) {
            return lastValue;
        }
        String value = lookup(buf, offset, length);
        lastValue = value;
        return value;
    }

    private String lookup(ByteBuffer buf, int offset, int length) {
        long h = length;
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            h = h * 0x9E3779B97F4A7C15L + buf.getLong(offset + i);
        }
        for (; i < length; i++) {
            h = h * 31 + buf.get(offset + i);
        }
        int slot = (int) (h ^ (h >>> 29) ^ (h >>> 47)) & (SIZE - 1);
        byte[] key = keys[slot];
        if (key != null && key.length == length && matches(buf, offset, key)) {
            lastKey = key;
            return values[slot];
        }
        byte[] bytes = new byte[length];
        buf.get(offset, bytes);
        // the shim copies a string's bytes as they are: the text ends at a NUL, as it would in C
        int end = 0;
        while (end < length && bytes[end] != 0) {
            end++;
        }
        String value = new String(bytes, 0, end, StandardCharsets.UTF_8);
        keys[slot] = bytes;
        values[slot] = value;
        lastKey = bytes;
        return value;
    }

    private static boolean matches(ByteBuffer buf, int offset, byte[] key) {
        int n = key.length;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            if (buf.getLong(offset + i) != littleEndianLong(key, i)) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (buf.get(offset + i) != key[i]) {
                return false;
            }
        }
        return true;
    }

    private static long littleEndianLong(byte[] b, int at) {
        return (long) LONGS.get(b, at);
    }
}

package io.kindling.probe.inspector;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Remembers the strings last decoded from batch memory (command names, container ids, fd names),
 * so that the same bytes give the same String without a new allocation. A direct-mapped table:
 * a collision simply replaces the older entry. Used by the event loop thread only.
 */
final class StringCache {
    private static final int SIZE = 4096;

    private final byte[][] keys = new byte[SIZE][];
    private final String[] values = new String[SIZE];

    String get(ByteBuffer buf, int offset, int length) {
        if (length == 0) {
            return "";
        }
        int h = length;
        for (int i = 0; i < length; i++) {
            h = 31 * h + buf.get(offset + i);
        }
        int slot = (h ^ (h >>> 16)) & (SIZE - 1);
        byte[] key = keys[slot];
        if (key != null && key.length == length && matches(buf, offset, key)) {
            return values[slot];
        }
        byte[] bytes = new byte[length];
        buf.get(offset, bytes);
        String value = new String(bytes, StandardCharsets.UTF_8);
        keys[slot] = bytes;
        values[slot] = value;
        return value;
    }

    private static boolean matches(ByteBuffer buf, int offset, byte[] key) {
        for (int i = 0; i < key.length; i++) {
            if (buf.get(offset + i) != key[i]) {
                return false;
            }
        }
        return true;
    }
}

package io.kindling.probe.converter.socket;

import java.util.Arrays;

/**
 * The text of addresses formatted lately, so that a connection's events share one string and the
 * formatting is done once. A direct-mapped table: a collision replaces the older entry. Not
 * thread-safe.
 */
final class AddressCache {
    private static final int SIZE = 1024;

    private final byte[][] keys = new byte[SIZE][];
    private final String[] texts = new String[SIZE];

    String text(byte[] address) {
        if (address == null || address.length == 0) {
            return AddressText.format(address);
        }
        int slot = Arrays.hashCode(address) & (SIZE - 1);
        byte[] key = keys[slot];
        if (key != null && Arrays.equals(key, address)) {
            return texts[slot];
        }
        String text = AddressText.format(address);
        keys[slot] = address;
        texts[slot] = text;
        return text;
    }
}

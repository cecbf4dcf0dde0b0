package io.kindling.probe.converter.socket;

import io.kindling.probe.api.spi.RawEvent;
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
    /** The address being looked up, reused: a hit allocates nothing. */
    private final byte[] scratch = new byte[16];

    /** The text of the event's source or destination address. */
    String text(RawEvent raw, boolean source) {
        int n = source ? raw.sourceAddress(scratch) : raw.destinationAddress(scratch);
        if (n != 4 && n != 16) {
            return text(source ? raw.sourceAddress() : raw.destinationAddress());
        }
        return lookup(scratch, n);
    }

    String text(byte[] address) {
        if (address == null || address.length == 0) {
            return AddressText.format(address);
        }
        return lookup(address, address.length);
    }

    /** The text of the first n bytes of address; the table keeps a copy of them. */
    private String lookup(byte[] address, int n) {
        int h = 1; // as Arrays.hashCode, over the first n bytes
        for (int i = 0; i < n; i++) {
            h = 31 * h + address[i];
        }
        int slot = h & (SIZE - 1);
        byte[] key = keys[slot];
        if (key != null && Arrays.equals(key, 0, key.length, address, 0, n)) {
            return texts[slot];
        }
        byte[] copy = Arrays.copyOf(address, n);
        String text = AddressText.format(copy);
        keys[slot] = copy;
        texts[slot] = text;
        return text;
    }
}

package io.kindling.probe.generator.internal;

import java.nio.charset.StandardCharsets;

/** Integer and string encodings of binary protocols, appended to a {@link Bytes}. */
final class Wire {

    private Wire() {
    }

    static void u8(Bytes b, int v) {
        b.a[b.n++] = (byte) v;
    }

    static void le16(Bytes b, int v) {
        u8(b, v);
        u8(b, v >>> 8);
    }

    static void le24(Bytes b, int v) {
        le16(b, v);
        u8(b, v >>> 16);
    }

    static void le32(Bytes b, long v) {
        le16(b, (int) v);
        le16(b, (int) (v >>> 16));
    }

    static void be16(Bytes b, int v) {
        u8(b, v >>> 8);
        u8(b, v);
    }

    static void be32(Bytes b, long v) {
        be16(b, (int) (v >>> 16));
        be16(b, (int) v);
    }

    static void be64(Bytes b, long v) {
        be32(b, v >>> 32);
        be32(b, v);
    }

    /** Writes a big-endian 32-bit value at {@code at} (a length known once what follows is written). */
    static void be32At(Bytes b, int at, long v) {
        b.a[at] = (byte) (v >>> 24);
        b.a[at + 1] = (byte) (v >>> 16);
        b.a[at + 2] = (byte) (v >>> 8);
        b.a[at + 3] = (byte) v;
    }

    /** Writes a little-endian 24-bit value at {@code at}. */
    static void le24At(Bytes b, int at, int v) {
        b.a[at] = (byte) v;
        b.a[at + 1] = (byte) (v >>> 8);
        b.a[at + 2] = (byte) (v >>> 16);
    }

    /** An unsigned variable-length integer, seven bits a byte, low bits first. */
    static void uvarint(Bytes b, long v) {
        while ((v & ~0x7fL) != 0) {
            u8(b, (int) (v & 0x7f | 0x80));
            v >>>= 7;
        }
        u8(b, (int) v);
    }

    /** A signed variable-length integer, zigzag encoded. */
    static void varint(Bytes b, long v) {
        uvarint(b, v << 1 ^ v >> 63);
    }

    static void ascii(Bytes b, String s) {
        for (int i = 0; i < s.length(); i++) {
            b.a[b.n++] = (byte) s.charAt(i);
        }
    }

    static void utf8(Bytes b, String s) {
        b.add(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A NUL-terminated string. */
    static void cstring(Bytes b, String s) {
        ascii(b, s);
        u8(b, 0);
    }
}

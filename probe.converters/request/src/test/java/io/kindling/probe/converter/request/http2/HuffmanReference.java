package io.kindling.probe.converter.request.http2;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;

/** A test-only encoder for the HPACK Huffman code, built from the decoder's code lengths the canonical way. */
final class HuffmanReference {
    private static final long[] CODES = new long[257];
    private static final int[] LENGTHS = new int[257];

    static {
        try {
            Field f = Huffman.class.getDeclaredField("LENGTHS");
            f.setAccessible(true);
            byte[] lengths = (byte[]) f.get(null);
            long code = 0;
            int previous = 0;
            boolean first = true;
            for (int len = 1; len <= 30; len++) {
                for (int s = 0; s <= 256; s++) {
                    if (lengths[s] == len) {
                        if (!first) {
                            code = (code + 1) << (len - previous);
                        }
                        first = false;
                        previous = len;
                        CODES[s] = code;
                        LENGTHS[s] = len;
                    }
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private HuffmanReference() {
    }

    static long code(int symbol) {
        return CODES[symbol];
    }

    static int length(int symbol) {
        return LENGTHS[symbol];
    }

    static byte[] encode(byte[] text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long bits = 0;
        int n = 0;
        for (byte b : text) {
            int s = b & 0xff;
            bits = (bits << LENGTHS[s]) | CODES[s];
            n += LENGTHS[s];
            while (n >= 8) {
                out.write((int) (bits >>> (n - 8)));
                n -= 8;
                bits &= (1L << n) - 1;
            }
        }
        if (n > 0) {
            out.write((int) ((bits << (8 - n)) | ((1 << (8 - n)) - 1)));
        }
        return out.toByteArray();
    }
}

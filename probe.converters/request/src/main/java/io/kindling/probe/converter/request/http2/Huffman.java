package io.kindling.probe.converter.request.http2;

/**
 * The static Huffman code of HPACK (RFC 7541, Appendix B), decoding only. The code is canonical: codes of the same
 * length are consecutive and ordered by symbol, and each length's first code follows the last code of the length
 * before, so the table below of code lengths per symbol (0..255, then EOS) is the whole code.
 */
final class Huffman {
    private static final byte[] LENGTHS = {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30};

    static final int EOS = 256;
    private static final int MAX_LENGTH = 30;

    /** Per code length: the first code of that length, how many codes have it, and where their symbols start. */
    private static final int[] FIRST = new int[MAX_LENGTH + 2];
    private static final int[] COUNT = new int[MAX_LENGTH + 2];
    private static final int[] START = new int[MAX_LENGTH + 2];
    /** The symbols ordered by code length, then by value. */
    private static final short[] SYMBOLS = new short[257];
    /** Symbol and code length of each 8-bit prefix whose code is at most 8 bits long (length 0: longer). */
    private static final short[] FAST_SYMBOL = new short[256];
    private static final byte[] FAST_LENGTH = new byte[256];

    static {
        int n = 0;
        for (int len = 1; len <= MAX_LENGTH; len++) {
            START[len] = n;
            for (int s = 0; s <= EOS; s++) {
                if (LENGTHS[s] == len) {
                    SYMBOLS[n++] = (short) s;
                }
            }
            COUNT[len] = n - START[len];
        }
        int code = 0;
        for (int len = 1; len <= MAX_LENGTH; len++) {
            FIRST[len] = code;
            code = (code + COUNT[len]) << 1;
        }
        for (int len = 1; len <= 8; len++) {
            for (int i = 0; i < COUNT[len]; i++) {
                int c = FIRST[len] + i;
                int shift = 8 - len;
                for (int tail = 0; tail < 1 << shift; tail++) {
                    FAST_SYMBOL[(c << shift) | tail] = SYMBOLS[START[len] + i];
                    FAST_LENGTH[(c << shift) | tail] = (byte) len;
                }
            }
        }
    }

    private Huffman() {
    }

    /**
     * Decodes {@code length} bytes at {@code offset} as ISO-8859-1 text, or returns null for bytes that are no valid
     * code (EOS inside, padding longer than 7 bits or not all ones) or a text longer than {@code max} characters.
     */
    static String decode(byte[] in, int offset, int length, int max) {
        char[] out = new char[Math.min(max, length * 8 / 5 + 1)];
        int n = 0;
        long bits = 0; // the unread bits, at the low end
        int have = 0;
        int i = offset;
        int end = offset + length;
        while (true) {
            while (have <= 56 && i < end) {
                bits = (bits << 8) | (in[i++] & 0xff);
                have += 8;
            }
            if (have == 0) {
                break;
            }
            int symbol = -1;
            int used = 0;
            if (have >= 8) {
                int top = (int) (bits >>> (have - 8)) & 0xff;
                if (FAST_LENGTH[top] != 0) {
                    symbol = FAST_SYMBOL[top];
                    used = FAST_LENGTH[top];
                }
            }
            if (symbol < 0) {
                int code = 0;
                for (int len = 1; len <= Math.min(have, MAX_LENGTH); len++) {
                    code = (code << 1) | (int) ((bits >>> (have - len)) & 1);
                    if (code - FIRST[len] < COUNT[len] && code >= FIRST[len]) {
                        symbol = SYMBOLS[START[len] + code - FIRST[len]];
                        used = len;
                        break;
                    }
                }
            }
            if (symbol < 0) {
                // no whole code left: what remains must be padding, the most significant bits of EOS (all ones), < 8 bits
                long mask = (1L << have) - 1;
                return have < 8 && i == end && (bits & mask) == mask ? new String(out, 0, n) : null;
            }
            if (symbol == EOS || n == out.length) {
                return null;
            }
            out[n++] = (char) symbol;
            have -= used;
            bits &= have == 0 ? 0 : (1L << have) - 1;
        }
        return new String(out, 0, n);
    }
}

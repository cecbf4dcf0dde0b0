package io.kindling.probe.generator.internal;

import java.nio.charset.StandardCharsets;

/** A reusable byte buffer to assemble payloads without allocating per event. */
public final class Bytes {

    byte[] a;
    int n;

    public Bytes(int capacity) {
        a = new byte[capacity];
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    Bytes clear() {
        n = 0;
        return this;
    }

    Bytes add(byte[] b) {
        return add(b, 0, b.length);
    }

    Bytes add(byte[] b, int off, int len) {
        System.arraycopy(b, off, a, n, len);
        n += len;
        return this;
    }

    Bytes add(Bytes b) {
        return add(b.a, 0, b.n);
    }

    Bytes add(char c) {
        a[n++] = (byte) c;
        return this;
    }

    Bytes addNum(long v) {
        if (v < 0) {
            a[n++] = '-';
            v = -v;
        }
        if (v == 0) {
            a[n++] = '0';
            return this;
        }
        int start = n;
        while (v > 0) {
            a[n++] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        for (int i = start, j = n - 1; i < j; i++, j--) {
            byte t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return this;
    }

    Bytes addPadded(long v, int width) {
        long lim = 1;
        for (int i = 1; i < width; i++) {
            lim *= 10;
        }
        for (; lim > v && lim > 1; lim /= 10) {
            a[n++] = '0';
        }
        return addNum(v);
    }

    Bytes addU16be(int v) {
        a[n++] = (byte) (v >>> 8);
        a[n++] = (byte) v;
        return this;
    }

    /** Index of the first CR or LF, or n. */
    int lineEnd() {
        for (int i = 0; i < n; i++) {
            if (a[i] == '\r' || a[i] == '\n') {
                return i;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return new String(a, 0, n, StandardCharsets.ISO_8859_1);
    }
}

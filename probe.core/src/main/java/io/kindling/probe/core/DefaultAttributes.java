package io.kindling.probe.core;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Kindling probe's default branch: up to 8 raw parameters become typed user attributes. The parameters'
 * bytes are copied out of the batch at once (the batch's memory is reused), and decoded into
 * attributes only when a sink reads them.
 */
final class DefaultAttributes implements Consumer<List<Attribute>> {
    static final int MAX = 8;

    private final String[] names;
    private final ValueType[] types;
    /** The parameters' lengths (4 bytes each, little-endian), then their bytes (see {@link RawEvent#packedParams}). */
    private final byte[] packed;

    private DefaultAttributes(String[] names, ValueType[] types, byte[] packed) {
        this.names = names;
        this.types = types;
        this.packed = packed;
    }

    /** Defers the default attributes of {@code raw} on {@code event}. */
    static void copy(RawEvent raw, KindlingEvent event, ParamLayouts layouts) {
        int n = Math.min(raw.paramCount(), MAX);
        if (n == 0) {
            return;
        }
        ParamLayouts.Layout layout = layouts.of(raw, n);
        event.deferAttributes(new DefaultAttributes(layout.names(), layout.types(), raw.packedParams(n)));
    }

    @Override
    public void accept(List<Attribute> out) {
        int n = Math.min(names.length, packed.length / 4);
        int at = 4 * n;
        for (int i = 0; i < n; i++) {
            int len = (packed[4 * i] & 0xff) | (packed[4 * i + 1] & 0xff) << 8 | (packed[4 * i + 2] & 0xff) << 16
                    | (packed[4 * i + 3] & 0xff) << 24;
            if (len < 0 || len > packed.length - at) {
                break;
            }
            out.add(attribute(names[i], types[i], packed, at, len));
            at += len;
        }
    }

    static Attribute attribute(String key, ValueType type, byte[] b, int off, int len) {
        switch (type) {
            case INT8:
            case INT16:
            case INT32:
            case INT64:
                if (len == size(type)) {
                    return new Attribute(key, type, signed(b, off, len));
                }
                break;
            case UINT8:
            case UINT16:
            case UINT32:
            case UINT64:
                if (len == size(type)) {
                    long v = signed(b, off, len);
                    long mask = len == 8 ? -1L : (1L << (8 * len)) - 1;
                    return new Attribute(key, type, v & mask);
                }
                break;
            case DOUBLE:
                if (len == 8) {
                    return new Attribute(key, type, Double.longBitsToDouble(signed(b, off, 8)));
                }
                break;
            case CHARBUF: {
                int end = off;
                while (end < off + len && b[end] != 0) {
                    end++;
                }
                return new Attribute(key, type, new String(b, off, end - off, StandardCharsets.UTF_8));
            }
            default:
                break;
        }
        return new Attribute(key, ValueType.BYTEBUF, Arrays.copyOfRange(b, off, off + len));
    }

    /** A little-endian signed integer of 1, 2, 4 or 8 bytes. */
    private static long signed(byte[] b, int off, int len) {
        long v = 0;
        for (int i = len - 1; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        int shift = 64 - 8 * len;
        return (v << shift) >> shift;
    }

    private static int size(ValueType type) {
        switch (type) {
            case INT8:
            case UINT8:
                return 1;
            case INT16:
            case UINT16:
                return 2;
            case INT32:
            case UINT32:
                return 4;
            default:
                return 8;
        }
    }
}

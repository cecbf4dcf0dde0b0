package io.kindling.probe.core;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.api.spi.RawEvent;
import java.nio.charset.StandardCharsets;

/** The seed's default branch: up to 8 raw parameters become typed user attributes. */
final class DefaultAttributes {
    static final int MAX = 8;

    private DefaultAttributes() {}

    static void copy(RawEvent raw, KindlingEvent event) {
        int n = Math.min(raw.paramCount(), MAX);
        for (int i = 0; i < n; i++) {
            event.addAttribute(attribute(raw, i));
        }
    }

    static Attribute attribute(RawEvent raw, int i) {
        String key = raw.paramName(i);
        ValueType type = raw.paramValueType(i);
        int len = raw.paramLength(i);
        switch (type) {
            case INT8:
            case INT16:
            case INT32:
            case INT64:
                if (len == size(type)) {
                    return new Attribute(key, type, raw.paramAsLong(i));
                }
                break;
            case UINT8:
            case UINT16:
            case UINT32:
            case UINT64:
                if (len == size(type)) {
                    long v = raw.paramAsLong(i);
                    long mask = len == 8 ? -1L : (1L << (8 * len)) - 1;
                    return new Attribute(key, type, v & mask);
                }
                break;
            case DOUBLE:
                if (len == 8) {
                    return new Attribute(key, type, Double.longBitsToDouble(raw.paramAsLong(i)));
                }
                break;
            case CHARBUF: {
                byte[] b = raw.paramBytes(i);
                int end = 0;
                while (end < b.length && b[end] != 0) {
                    end++;
                }
                return new Attribute(key, type, new String(b, 0, end, StandardCharsets.UTF_8));
            }
            default:
                break;
        }
        return new Attribute(key, ValueType.BYTEBUF, raw.paramBytes(i));
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

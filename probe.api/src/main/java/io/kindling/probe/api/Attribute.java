package io.kindling.probe.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * A typed user attribute. The value is a {@link Long} for the integer types (an unsigned 64-bit
 * value keeps its bits; read it with {@link Long#toUnsignedString}), a {@link Double} for FLOAT and
 * DOUBLE, a {@link Boolean} for BOOL, a {@link String} for CHARBUF and a {@code byte[]} for BYTEBUF.
 */
public record Attribute(String key, ValueType type, Object value) {

    public Attribute {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
    }

    public static Attribute ofLong(String key, ValueType type, long value) {
        return new Attribute(key, type, value);
    }

    public static Attribute ofString(String key, String value) {
        return new Attribute(key, ValueType.CHARBUF, value);
    }

    public static Attribute ofBytes(String key, byte[] value) {
        return new Attribute(key, ValueType.BYTEBUF, value);
    }

    public long longValue() {
        return ((Number) value).longValue();
    }

    public String stringValue() {
        return value instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Attribute a && key.equals(a.key) && type == a.type
                && (value instanceof byte[] b ? a.value instanceof byte[] ab && Arrays.equals(b, ab) : value.equals(a.value));
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, type, value instanceof byte[] b ? Arrays.hashCode(b) : value);
    }

    @Override
    public String toString() {
        return key + "=" + (value instanceof byte[] b ? Arrays.toString(b) : value);
    }
}

package io.kindling.probe.converter.request;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds HTTP/2 frames and simple HPACK blocks for tests. */
final class H2 {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static H2 bytes() {
        return new H2();
    }

    H2 preface() {
        raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return settings();
    }

    H2 settings() {
        return frame(4, 0, 0, new byte[0]);
    }

    H2 windowUpdate(int stream) {
        return frame(8, 0, stream, new byte[] {0, 0, 0x10, 0});
    }

    H2 headers(int stream, boolean endStream, byte[] block) {
        return frame(1, 0x4 | (endStream ? 1 : 0), stream, block);
    }

    H2 data(int stream, boolean endStream, int length) {
        return frame(0, endStream ? 1 : 0, stream, new byte[length]);
    }

    H2 rst(int stream, int code) {
        return frame(3, 0, stream, new byte[] {0, 0, 0, (byte) code});
    }

    H2 frame(int type, int flags, int stream, byte[] payload) {
        int n = payload.length;
        raw(new byte[] {(byte) (n >> 16), (byte) (n >> 8), (byte) n, (byte) type, (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16),
            (byte) (stream >> 8), (byte) stream});
        raw(payload);
        return this;
    }

    H2 raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    byte[] get() {
        return out.toByteArray();
    }

    /** An HPACK block: static indexes as numbers, literals as "name=value" (indexed name when static), "+" to add to the table. */
    static byte[] block(Object... fields) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Object f : fields) {
            if (f instanceof Integer i) {
                integer(b, 0x80, 7, i); // indexed
            } else {
                String s = (String) f;
                boolean add = s.startsWith("+");
                if (add) {
                    s = s.substring(1);
                }
                int eq = s.indexOf('=', 1);
                String name = s.substring(0, eq);
                String value = s.substring(eq + 1);
                int index = staticName(name);
                if (index > 0) {
                    integer(b, add ? 0x40 : 0x00, add ? 6 : 4, index);
                } else {
                    b.write(add ? 0x40 : 0x00);
                    string(b, name);
                }
                string(b, value);
            }
        }
        return b.toByteArray();
    }

    private static int staticName(String name) {
        return switch (name) {
            case ":authority" -> 1;
            case ":method" -> 2;
            case ":path" -> 4;
            case ":scheme" -> 6;
            case ":status" -> 8;
            case "content-type" -> 31;
            case "user-agent" -> 58;
            default -> 0;
        };
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        integer(b, 0, 7, bytes.length);
        b.write(bytes, 0, bytes.length);
    }

    private static void integer(ByteArrayOutputStream b, int first, int prefix, int v) {
        int max = (1 << prefix) - 1;
        if (v < max) {
            b.write(first | v);
            return;
        }
        b.write(first | max);
        v -= max;
        while (v >= 128) {
            b.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b.write(v);
    }
}

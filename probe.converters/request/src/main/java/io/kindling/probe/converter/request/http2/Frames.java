package io.kindling.probe.converter.request.http2;

import io.kindling.probe.converter.request.spi.Payload;

/** HTTP/2 frame headers (RFC 9113, section 4.1): what each type may look like, to find frames in bytes. */
final class Frames {
    static final int HEADER = 9;
    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int PRIORITY = 2;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PUSH_PROMISE = 5;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int CONTINUATION = 9;

    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    static final int PADDED = 0x8;
    static final int PRIORITY_FLAG = 0x20;

    /** Frames longer than this are not taken for frames when looking for them in bytes of unknown position. */
    static final int PLAUSIBLE_LENGTH = 1 << 20;

    static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    private Frames() {
    }

    /** Whether a frame header of these fields is one a peer sends ({@code fromClient}: the client's). */
    static boolean valid(long length, int type, int flags, long stream, boolean fromClient) {
        if (stream < 0 || length < 0) {
            return false; // the reserved bit set
        }
        return switch (type) {
            case DATA -> stream != 0 && (flags & ~(END_STREAM | PADDED)) == 0;
            case HEADERS -> stream != 0 && (flags & ~(END_STREAM | END_HEADERS | PADDED | PRIORITY_FLAG)) == 0
                    && (stream & 1) == 1;
            case PRIORITY -> stream != 0 && length == 5 && flags == 0;
            case RST_STREAM -> stream != 0 && length == 4 && flags == 0;
            case SETTINGS -> stream == 0 && length % 6 == 0 && (flags & ~1) == 0 && (flags == 0 || length == 0);
            case PUSH_PROMISE -> !fromClient && stream != 0 && (flags & ~(END_HEADERS | PADDED)) == 0 && length >= 4;
            case PING -> stream == 0 && length == 8 && (flags & ~1) == 0;
            case GOAWAY -> stream == 0 && length >= 8 && flags == 0;
            case WINDOW_UPDATE -> length == 4 && flags == 0;
            case CONTINUATION -> stream != 0 && (flags & ~END_HEADERS) == 0;
            default -> false;
        };
    }

    static long length(Payload p, int at) {
        int a = p.u8(at);
        int b = p.u8(at + 1);
        int c = p.u8(at + 2);
        return a < 0 || b < 0 || c < 0 ? -1 : (a << 16) | (b << 8) | c;
    }

    /** The stream id at a frame header's byte 5, or -1 with the reserved bit set or beyond what is known. */
    static long stream(Payload p, int at) {
        long v = p.i32(at + 5);
        return v == Long.MIN_VALUE || v < 0 ? -1 : v;
    }

    /**
     * Whether the known bytes from the payload's start are whole frames of one peer, back to back: each header
     * valid, the last frame ending exactly where the call's bytes end or beyond. {@code needHeaders}: one of them
     * must be a client's HEADERS frame (a request). Bytes beyond what was captured leave a chain unproven unless
     * the last frame known runs past the end of the call.
     */
    static boolean chain(Payload p, boolean fromClient, boolean needHeaders) {
        long res = p.remaining();
        int cap = p.captured();
        long pos = 0;
        int frames = 0;
        boolean headers = false;
        while (pos + HEADER <= cap) {
            int at = (int) pos;
            long length = length(p, at);
            int type = p.u8(at + 3);
            int flags = p.u8(at + 4);
            long stream = stream(p, at);
            if (length > PLAUSIBLE_LENGTH || !valid(length, type, flags, stream, fromClient)) {
                return false;
            }
            headers |= type == HEADERS;
            frames++;
            pos += HEADER + length;
            if (pos >= res) {
                break;
            }
        }
        if (frames == 0 || needHeaders && !headers) {
            return false;
        }
        // the frames end where the call ends or run on past it, or the next header starts in the known bytes; when
        // it lies beyond them, one frame alone proves too little
        return pos >= res || pos < cap || frames >= 2;
    }
}

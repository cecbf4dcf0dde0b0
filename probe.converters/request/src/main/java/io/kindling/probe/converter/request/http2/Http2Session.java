package io.kindling.probe.converter.request.http2;

import io.kindling.probe.converter.request.spi.Call;
import io.kindling.probe.converter.request.spi.MultiplexedParser;
import io.kindling.probe.converter.request.spi.Payload;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * One HTTP/2 connection: each direction cut into frames across reads and writes, header blocks put together from
 * their frames and decoded with that direction's HPACK table, one {@link Stream} per request, reported when its
 * response ends (or it is reset, or the connection closes). Bytes the capture did not keep are skipped by the frame
 * lengths; a frame header among them loses the direction's place, found again at the start of a later call whose
 * bytes are whole frames ({@link Frames#chain}). State is bounded: {@link Http2Parser#maxStreams()} streams,
 * header blocks of {@link Http2Parser#maxHeaderBlock()} bytes, the HPACK tables' own bound.
 */
final class Http2Session implements MultiplexedParser.Session {
    private final Http2Parser parser;
    private final Direction fromClient = new Direction(true);
    private final Direction fromServer = new Direction(false);
    private final LinkedHashMap<Long, Stream> streams = new LinkedHashMap<>();
    /** The ids of the streams reported last, so that a frame of one of them coming late opens no new one. */
    private final java.util.ArrayDeque<Long> finished = new java.util.ArrayDeque<>();
    private static final int FINISHED_KEPT = 128;
    private boolean started;

    Http2Session(Http2Parser parser) {
        this.parser = parser;
    }

    /**
     * A connection upgraded from HTTP/1.1 ({@code Upgrade: h2c}): the request that asked for it is stream 1, sent
     * whole; both tables start empty; the client's preface comes next.
     */
    Http2Session(Http2Parser parser, io.kindling.probe.converter.request.spi.Message request, long start, long end, long bytes) {
        this.parser = parser;
        started = true;
        fromClient.hpack = new HpackDecoder(false);
        fromServer.hpack = new HpackDecoder(false);
        fromClient.synced = true;
        fromServer.synced = true;
        fromClient.prefaceLeft = Frames.PREFACE.length();
        fromClient.prefaceOptional = true;
        Stream s = new Stream(1, start, end);
        s.method = text(request, "http_method");
        s.path = text(request, "http_url");
        s.requestEnded = true;
        s.requestBytes = bytes;
        streams.put(1L, s);
        parser.streams.incrementAndGet();
        parser.upgrades.incrementAndGet();
    }

    private static String text(io.kindling.probe.converter.request.spi.Message m, String key) {
        if (m == null) {
            return null;
        }
        for (io.kindling.probe.api.Attribute a : m.attributes()) {
            if (a.key().equals(key) && a.value() instanceof String v) {
                return v;
            }
        }
        return null;
    }

    @Override
    public void bytes(boolean requestSide, Payload p, long start, long end, Consumer<Call> calls) {
        Direction d = requestSide ? fromClient : fromServer;
        if (!started) {
            started = true;
            if (requestSide && p.startsWith(0, Frames.PREFACE)) {
                // the connection from its first byte: both tables are known to be empty
                fromClient.hpack = new HpackDecoder(false);
                fromServer.hpack = new HpackDecoder(false);
                fromClient.prefaceLeft = Frames.PREFACE.length();
                fromClient.synced = true;
                fromServer.synced = true;
            }
        }
        d.bytes(p, start, end, calls);
    }

    @Override
    public void close(long at, Consumer<Call> calls) {
        for (Stream s : new ArrayList<>(streams.values())) {
            report(s, at, calls);
        }
        streams.clear();
    }

    @Override
    public void expire(long before, long at, Consumer<Call> calls) {
        Iterator<Stream> it = streams.values().iterator();
        List<Stream> old = new ArrayList<>();
        while (it.hasNext()) {
            Stream s = it.next();
            if (s.requestStart < before) {
                it.remove();
                old.add(s);
            }
        }
        for (Stream s : old) {
            report(s, at, calls);
        }
    }

    int streams() {
        return streams.size();
    }

    private void report(Stream s, long at, Consumer<Call> calls) {
        streams.remove(s.id);
        if (finished.size() >= FINISHED_KEPT) {
            finished.pollFirst();
        }
        finished.addLast(s.id);
        calls.accept(s.call(parser, at));
    }

    /** One direction of the connection: where it is in its frames, the header block being put together, its table. */
    private final class Direction {
        final boolean client;
        HpackDecoder hpack = new HpackDecoder(true);
        boolean synced;
        boolean lostOnce;
        int prefaceLeft;
        /** The preface is expected but not certain at the next call's start (after an upgrade). */
        boolean prefaceOptional;
        final byte[] head = new byte[Frames.HEADER];
        int headLength;
        boolean inFrame;
        long payloadLeft;
        long frameLength;
        int type;
        int flags;
        long stream;
        /** The start of the call that held the frame's header. */
        long frameStart;
        /** The frame's payload, when it is one whose payload is read (and not longer than a header block may be). */
        byte[] payload;
        int payloadFill;
        boolean payloadLost;
        /** The header block being put together from a HEADERS or PUSH_PROMISE frame and its CONTINUATIONs. */
        byte[] block;
        int blockLength;
        long blockStream = -1;
        int blockType;
        int blockFlags;
        boolean blockLost;
        long blockStart;

        Direction(boolean client) {
            this.client = client;
        }

        void bytes(Payload p, long start, long end, Consumer<Call> calls) {
            long res = p.remaining();
            int cap = p.captured();
            long pos = 0;
            if (!synced) {
                if (!Frames.chain(p, client, false)) {
                    return;
                }
                synced = true;
                if (lostOnce) {
                    parser.resyncs.incrementAndGet();
                }
            }
            if (prefaceOptional) {
                prefaceOptional = false;
                if (!p.startsWith(0, Frames.PREFACE)) {
                    prefaceLeft = 0; // the preface went by in an earlier call (or unseen): frames from here
                }
            }
            while (pos < res) {
                if (prefaceLeft > 0) {
                    long n = Math.min(prefaceLeft, res - pos);
                    prefaceLeft -= (int) n;
                    pos += n;
                    continue;
                }
                if (!inFrame) {
                    if (pos >= cap) {
                        lose(); // the next frame header is among the bytes the capture did not keep
                        return;
                    }
                    if (headLength == 0) {
                        frameStart = start;
                    }
                    int n = (int) Math.min(Frames.HEADER - headLength, Math.min(cap - pos, res - pos));
                    p.copy((int) pos, n, head, headLength);
                    headLength += n;
                    pos += n;
                    if (headLength < Frames.HEADER) {
                        if (pos < res) {
                            lose();
                            return;
                        }
                        break;
                    }
                    headLength = 0;
                    if (!startFrame()) {
                        lose();
                        return;
                    }
                    if (payloadLeft == 0) {
                        endFrame(end, calls);
                    }
                    continue;
                }
                long n = Math.min(payloadLeft, res - pos);
                if (payload != null) {
                    int known = pos >= cap ? 0 : p.copy((int) pos, (int) Math.min(n, cap - pos), payload, payloadFill);
                    payloadFill += known;
                    if (known < n) {
                        payloadLost = true;
                    }
                }
                pos += n;
                payloadLeft -= n;
                if (payloadLeft == 0) {
                    endFrame(end, calls);
                }
            }
        }

        /** Reads the frame header in {@link #head}; false when it is no frame header of this side. */
        private boolean startFrame() {
            frameLength = ((head[0] & 0xffL) << 16) | ((head[1] & 0xffL) << 8) | (head[2] & 0xffL);
            type = head[3] & 0xff;
            flags = head[4] & 0xff;
            long id = ((head[5] & 0xffL) << 24) | ((head[6] & 0xffL) << 16) | ((head[7] & 0xffL) << 8) | (head[8] & 0xffL);
            stream = (id & 0x80000000L) != 0 ? -1 : id;
            if (type <= Frames.CONTINUATION && !Frames.valid(frameLength, type, flags, stream, client)) {
                return false;
            }
            if (blockStream >= 0 && (type != Frames.CONTINUATION || stream != blockStream)) {
                return false; // a header block must go on in CONTINUATION frames of its stream, nothing between
            }
            inFrame = true;
            payloadLeft = frameLength;
            payloadFill = 0;
            payloadLost = false;
            boolean read = type == Frames.HEADERS || type == Frames.CONTINUATION || type == Frames.PUSH_PROMISE
                    || type == Frames.RST_STREAM;
            payload = read && frameLength <= parser.maxHeaderBlock() ? buffer((int) frameLength) : null;
            if (read && payload == null) {
                payloadLost = true;
            }
            return true;
        }

        private byte[] frameBuffer;

        private byte[] buffer(int length) {
            if (frameBuffer == null || frameBuffer.length < length) {
                frameBuffer = new byte[Math.max(length, 256)];
            }
            return frameBuffer;
        }

        private void endFrame(long end, Consumer<Call> calls) {
            inFrame = false;
            long bytes = Frames.HEADER + frameLength;
            Stream s = stream > 0 ? streams.get(stream) : null;
            switch (type) {
                case Frames.DATA -> {
                    if (s != null) {
                        s.bytes(client, bytes, end);
                        if ((flags & Frames.END_STREAM) != 0) {
                            endStream(s, end, calls);
                        }
                    }
                }
                case Frames.HEADERS, Frames.PUSH_PROMISE -> {
                    blockStream = stream;
                    blockType = type;
                    blockFlags = flags;
                    blockStart = frameStart;
                    blockLength = 0;
                    blockLost = payloadLost;
                    int from = 0;
                    int pad = 0;
                    if (!payloadLost) {
                        if ((flags & Frames.PADDED) != 0) {
                            pad = frameLength > 0 ? payload[0] & 0xff : 0;
                            from = 1;
                        }
                        if (type == Frames.HEADERS && (flags & Frames.PRIORITY_FLAG) != 0) {
                            from += 5;
                        }
                        if (type == Frames.PUSH_PROMISE) {
                            from += 4;
                        }
                        if (from + pad > frameLength) {
                            blockLost = true;
                        } else {
                            append(from, (int) frameLength - pad);
                        }
                    }
                    pendingHeaderBytes += bytes;
                    if ((flags & Frames.END_HEADERS) != 0) {
                        block(end, calls);
                    }
                }
                case Frames.CONTINUATION -> {
                    if (payloadLost) {
                        blockLost = true;
                    } else {
                        append(0, (int) frameLength);
                    }
                    pendingHeaderBytes += bytes;
                    if ((flags & Frames.END_HEADERS) != 0) {
                        block(end, calls);
                    }
                }
                case Frames.RST_STREAM -> {
                    if (s != null) {
                        s.bytes(client, bytes, end);
                        s.resetSeen = true;
                        s.reset = payloadLost ? -1 : ((payload[0] & 0xffL) << 24) | ((payload[1] & 0xffL) << 16) | ((payload[2] & 0xffL) << 8)
                                | (payload[3] & 0xffL);
                        report(s, end, calls);
                    }
                }
                default -> {
                    // SETTINGS, PING, GOAWAY, WINDOW_UPDATE, PRIORITY and unknown types: nothing of a request
                }
            }
        }

        /** The bytes of the header block's frames, counted to its stream once the block is read. */
        private long pendingHeaderBytes;

        private void append(int from, int to) {
            int n = to - from;
            if (blockLost || n <= 0) {
                return;
            }
            if (blockLength + n > parser.maxHeaderBlock()) {
                blockLost = true;
                return;
            }
            if (block == null || block.length < blockLength + n) {
                byte[] bigger = new byte[Math.min(parser.maxHeaderBlock(), Math.max(blockLength + n, block == null ? 512 : block.length * 2))];
                if (block != null) {
                    System.arraycopy(block, 0, bigger, 0, blockLength);
                }
                block = bigger;
            }
            System.arraycopy(payload, from, block, blockLength, n);
            blockLength += n;
        }

        /** A whole header block: decoded, then given to its stream. */
        private void block(long end, Consumer<Call> calls) {
            long id = blockStream;
            blockStream = -1;
            long bytes = pendingHeaderBytes;
            pendingHeaderBytes = 0;
            HeaderFields h = new HeaderFields();
            if (blockLost) {
                hpack.lost();
                parser.blocksLost.incrementAndGet();
                h.unknown = true;
            } else if (hpack.decode(block, 0, blockLength, h) == HpackDecoder.Result.MALFORMED) {
                parser.blocksMalformed.incrementAndGet();
                h.unknown = true;
            } else if (hpack.unknownRefs() > 0) {
                parser.unknownHeaders.addAndGet(hpack.unknownRefs());
                h.unknown = true;
            }
            if (blockType == Frames.PUSH_PROMISE) {
                return; // a pushed response's request: kept only for the table
            }
            boolean endStream = (blockFlags & Frames.END_STREAM) != 0;
            Stream s = streams.get(id);
            if (client) {
                if (s == null) {
                    if (streams.size() >= parser.maxStreams()) {
                        Stream oldest = streams.values().iterator().next();
                        parser.streamsEvicted.incrementAndGet();
                        report(oldest, end, calls);
                    }
                    s = new Stream(id, blockStart, end);
                    streams.put(id, s);
                    parser.streams.incrementAndGet();
                }
                s.requestHeaders(h);
                s.bytes(true, bytes, end);
                if (endStream) {
                    s.requestEnded = true;
                }
            } else {
                if (s == null && (id & 1) == 1 && !finished.contains(id)) {
                    // the response to a request that went by unseen (before the capture, or among bytes it did not
                    // keep): the call is counted, its request's headers unknown, its times from the response on
                    s = new Stream(id, blockStart, blockStart);
                    s.unknownHeaders = true;
                    s.requestEnded = true;
                    streams.put(id, s);
                    parser.streams.incrementAndGet();
                    parser.unseenRequests.incrementAndGet();
                }
                if (s == null) {
                    parser.unpaired.incrementAndGet(); // a response to a stream already reported
                    return;
                }
                s.responseHeaders(h, end);
                s.bytes(false, bytes, end);
                if (endStream) {
                    endStream(s, end, calls);
                }
            }
        }

        private void endStream(Stream s, long end, Consumer<Call> calls) {
            if (client) {
                s.requestEnded = true;
                s.requestEnd = end;
            } else {
                report(s, end, calls);
            }
        }

        /** The place in the frames is lost: every entry the table may have gained since is unknown. */
        private void lose() {
            synced = false;
            lostOnce = true;
            inFrame = false;
            headLength = 0;
            blockStream = -1;
            pendingHeaderBytes = 0;
            hpack.lost();
            parser.syncLost.incrementAndGet();
            // the streams still open in this direction may have had frames among the unseen bytes (their response,
            // its end): what is reported of them is not all there was
            for (Stream s : streams.values()) {
                if (client ? !s.requestEnded : true) {
                    s.unknownHeaders = true;
                }
            }
        }
    }
}

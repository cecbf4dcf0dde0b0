package io.kindling.probe.converter.request;

import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.converter.request.spi.MultiplexedParser;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import java.util.ArrayDeque;

/**
 * What is known of one connection (a process's socket fd): its protocol once detected, the request being sent,
 * the requests waiting for their responses (in order, at most a bounded number), the response being received.
 */
final class Connection {
    final long pid;
    final long fd;
    final boolean udp;
    /** Whether this process serves: the requests are what it reads. */
    boolean server;
    Tuple tuple;
    ThreadContext thread;
    io.kindling.probe.api.Source source;
    long lastSeen;

    /** The parser that owns the connection; null while undetected or when no parser matched. */
    ProtocolParser parser;
    /** What the connection's parser keeps for it (see {@code Payload.connectionState}). */
    final Object[] parserState = new Object[1];
    /** The state of a multiplexed protocol's connection (HTTP/2), kept by its parser. */
    MultiplexedParser.Session session;
    /** Messages no parser took; when they reach the limit the connection is reported without a protocol. */
    int unmatched;
    boolean unknownProtocol;

    /** The request still being sent, and how many of its bytes are still to come (-1: until the reply). */
    Exchange sending;
    long sendingRemaining;
    /** The response still being received, and how many of its bytes are still to come (-1: until the next request). */
    Exchange receiving;
    long receivingRemaining;
    /** Bytes of an interim response still to come. */
    long interimRemaining;
    final ArrayDeque<Exchange> waiting = new ArrayDeque<>(4);
    /**
     * The first bytes of a message whose head the call cut (read or written alone, or the call ended inside the
     * head), waiting for the rest of its head in the side's next call (see the converter).
     */
    byte[] stash;
    boolean stashRequestSide;
    /** The stashed call's time as its message counts it: a request's start, a response's first byte. */
    long stashStart;
    long stashEnd;
    /** Non-blocking connect in progress. */
    boolean connecting;
    long connectStart;

    Connection(long pid, long fd, boolean udp) {
        this.pid = pid;
        this.fd = fd;
        this.udp = udp;
    }

    String protocol() {
        return parser != null ? parser.protocol() : "NOSUPPORT";
    }
}

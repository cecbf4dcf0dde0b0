package io.kindling.probe.converter.request;

import io.kindling.probe.converter.request.spi.Message;

/** One request and its response as they go by on a connection: heads, bytes and the times of their calls. */
final class Exchange {
    final Message request;
    Message response;
    /** The request's first call (its start for a client's write, its end for a server's read) and last call's end. */
    long requestStart;
    long requestEnd;
    /** The end of the response's first call and of its last. */
    long responseFirst;
    long responseEnd;
    long requestBytes;
    long responseBytes;
    /** The peer of a datagram request (UDP), as the request's tuple. */
    Tuple tuple;
    /** A response whose head no parser read (the pair is a protocol error). */
    boolean unreadable;

    Exchange(Message request, long start, long end) {
        this.request = request;
        this.requestStart = start;
        this.requestEnd = end;
    }
}

package io.kindling.probe.generator.internal;

/**
 * One request and its response as a {@link Workload} fills it: the whole messages as the real client and
 * server write them, the server's handler time, what happens to the connection, and the attributes of the
 * {@code net_request} the probe must report for it (as the jsonl sink prints them). Reused: no allocation
 * per exchange.
 */
final class Exchange {

    /** The request's bytes. */
    final Bytes request = new Bytes(64 * 1024);
    /** The response's bytes. */
    final Bytes response = new Bytes(256 * 1024);
    /** Time the server takes between the request's last read and the response's first write. */
    long handlerNs;
    /** The server never answers: it closes the connection (TCP), or drops the datagram (UDP). */
    boolean noResponse;
    /** The connection closes after this exchange. */
    boolean close;
    /** No request of the batch follows this one (a response whose end only the next request tells). */
    boolean endsBatch;
    /** The client's connect is refused: no request is sent (TCP only). */
    boolean connectFail;
    /** The response says the request failed (an error reply, an error code, a status of 400 and more). */
    boolean error;
    /**
     * Bytes at the start of the request (the response) that the writer writes in one call, at least: beyond
     * them the framework may split the message over several writes and reads. 0: never split.
     */
    int requestHead;
    int responseHead;

    /**
     * The messages a connection opens with before its first request (a handshake, which the probe reports as no
     * request), end to end: turn {@code i} ends at {@code openingEnds[i]} and the server writes it when
     * {@code openingFromServer[i]}, else the client. Read only on the exchange that opens a connection.
     */
    final Bytes opening = new Bytes(8192);
    final int[] openingEnds = new int[4];
    final boolean[] openingFromServer = new boolean[4];
    int openingTurns;

    /**
     * A message the client writes, and the server reads, just before the client closes the connection after this
     * exchange (MySQL's {@code COM_QUIT}, PostgreSQL's {@code Terminate}): it has no answer and is no request.
     */
    final Bytes closing = new Bytes(64);

    private final String[] names = new String[24];
    private final String[] values = new String[24];
    /** Attributes [0, requestAttrs) come from the request, the rest from the response. */
    private int requestAttrs;
    private int attrs;

    Exchange clear() {
        request.clear();
        response.clear();
        handlerNs = 0;
        noResponse = false;
        close = false;
        endsBatch = false;
        connectFail = false;
        error = false;
        requestHead = 0;
        responseHead = 0;
        opening.clear();
        openingTurns = 0;
        closing.clear();
        requestAttrs = 0;
        attrs = 0;
        return this;
    }

    /** Ends a turn of the {@link #opening}: the bytes added since the last one, written by the server or the client. */
    Exchange openingTurn(boolean fromServer) {
        openingFromServer[openingTurns] = fromServer;
        openingEnds[openingTurns++] = opening.n;
        return this;
    }

    /**
     * An attribute the request gives ({@code content_key}, {@code redis_command}, {@code dns_domain},
     * {@code sql}, ...); also reported when no response comes. Call before {@link #fromResponse}.
     */
    Exchange fromRequest(String name, Object value) {
        if (attrs != requestAttrs) {
            throw new IllegalStateException("request attributes come first");
        }
        add(name, value);
        requestAttrs = attrs;
        return this;
    }

    /** An attribute the response gives ({@code redis_error}, {@code dns_rcode}, {@code http_status_code}, ...). */
    Exchange fromResponse(String name, Object value) {
        add(name, value);
        return this;
    }

    private void add(String name, Object value) {
        names[attrs] = name;
        values[attrs++] = String.valueOf(value);
    }

    int attributes(boolean withResponse) {
        return withResponse ? attrs : requestAttrs;
    }

    String name(int i) {
        return names[i];
    }

    String value(int i) {
        return values[i];
    }
}

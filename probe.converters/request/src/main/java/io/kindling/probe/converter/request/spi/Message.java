package io.kindling.probe.converter.request.spi;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.ValueType;
import java.util.ArrayList;
import java.util.List;

/**
 * What a parser read in the head of one request or response: how long the message is, what pairs it, its
 * outcome and the attributes it adds to the {@code net_request} event. Made by the parser, read by the converter.
 */
public final class Message {
    /** {@link #length()} of a message whose end its head does not tell: it ends where the other side speaks. */
    public static final long UNTIL_REPLY = -1;

    private long length = UNTIL_REPLY;
    private long id = -1;
    private boolean interim;
    private boolean oneWay;
    private boolean continuation;
    private boolean error;
    private String contentKey = "";
    private Object state;
    private String protocol;
    private String upgrade;
    private final List<Attribute> attributes = new ArrayList<>(4);

    /** The bytes of the whole message from its first byte (head and body), or {@link #UNTIL_REPLY}. */
    public Message length(long bytes) {
        this.length = bytes < 0 ? UNTIL_REPLY : bytes;
        return this;
    }

    /** An id that pairs a response with its request (a DNS id, a Kafka correlation id); none: in order. */
    public Message id(long id) {
        this.id = id;
        return this;
    }

    /** A response that another response to the same request follows (HTTP's {@code 100 Continue}). */
    public Message interim() {
        this.interim = true;
        return this;
    }

    /** A request that gets no response (MySQL's quit, PostgreSQL's terminate): it is not reported. */
    public Message oneWay() {
        this.oneWay = true;
        return this;
    }

    /**
     * Bytes that carry on the request that waits last rather than start one (PostgreSQL's {@code COPY} data after
     * the server asked for it): counted in its {@code request_io} and its send time, never a request of their own.
     */
    public Message continuation() {
        this.continuation = true;
        return this;
    }

    /**
     * A response after which the connection speaks another protocol ({@code 101 Switching Protocols} to {@code h2c}):
     * the converter hands the connection to the {@link MultiplexedParser} that takes this upgrade token, with the
     * request it answered as that protocol's first call.
     * @since 1.2
     */
    public Message upgrade(String token) {
        this.upgrade = token;
        return this;
    }

    /** The protocol the connection speaks after this message, or null. @since 1.2 */
    public String upgrade() {
        return upgrade;
    }

    public boolean isContinuation() {
        return continuation;
    }

    /** The request failed, as its response says (an HTTP status of 400 or more, a SQL error, ...). */
    public Message error(boolean error) {
        this.error = error;
        return this;
    }

    /** The low-cardinality key of the request (a clustered URL, an SQL operation and table, a command, a domain, a topic). */
    public Message contentKey(String key) {
        this.contentKey = key == null ? "" : key;
        return this;
    }

    /** Anything the parser wants back when it reads the response to this request. */
    public Message state(Object state) {
        this.state = state;
        return this;
    }

    /** The protocol of this request when it is not the parser's own (gRPC over HTTP/2); null: the parser's. */
    public Message protocol(String protocol) {
        this.protocol = protocol;
        return this;
    }

    public String protocol() {
        return protocol;
    }

    public Message attribute(String key, String value) {
        attributes.add(Attribute.ofString(key, value == null ? "" : value));
        return this;
    }

    public Message attribute(String key, long value) {
        attributes.add(Attribute.ofLong(key, ValueType.INT64, value));
        return this;
    }

    public long length() {
        return length;
    }

    public long id() {
        return id;
    }

    public boolean isInterim() {
        return interim;
    }

    public boolean isOneWay() {
        return oneWay;
    }

    public boolean isError() {
        return error;
    }

    public String contentKey() {
        return contentKey;
    }

    public Object state() {
        return state;
    }

    public List<Attribute> attributes() {
        return attributes;
    }
}

package io.kindling.probe.converter.request.spi;

/**
 * A protocol the request converter can analyse. Register an implementation as an OSGi service and the converter
 * tries it on connections whose protocol it does not know yet, by content: the first parser whose
 * {@link #request} accepts what a client sent owns the connection (the verdict is kept per process and server
 * port). Parsers are tried in service-ranking order, highest first.
 * <p>
 * The converter cuts each direction of a connection into messages with the lengths the parser tells
 * ({@link Message#length()}), so requests and responses may spread over many reads and writes, share one, or
 * be larger than what the capture keeps of each call. Responses go to the oldest request waiting for one, or,
 * when the parser gives ids ({@link #responseId}), to the request of the same id. A parser is called on the event
 * loop thread only, must not keep the {@link Payload}, and must never throw on any input: it returns null for
 * bytes that are not a message of its protocol.
 */
public interface ProtocolParser {

    /** The protocol's name in the {@code protocol} attribute ({@code http}, {@code redis}, ...). */
    String protocol();

    /** Whether this protocol runs over UDP (one datagram a message) rather than TCP. */
    default boolean datagrams() {
        return false;
    }

    /**
     * The head of a request that starts at the payload's first byte, as a client sends it; null when the bytes
     * are not a request of this protocol.
     */
    Message request(Payload payload);

    /**
     * The id of the response that starts at the payload's first byte, for protocols that pair by id
     * (DNS, Kafka); -1 to pair in order.
     */
    default long responseId(Payload payload) {
        return -1;
    }

    /**
     * The head of the response to {@code request} that starts at the payload's first byte; null when the bytes
     * are no response of this protocol (the pair is then reported as a protocol error).
     */
    Message response(Payload payload, Message request);

    /**
     * Whether the response that starts at the payload's first byte answers {@code request}, asked when several
     * requests waiting on a connection have its id ({@link #responseId}): a DNS server's socket reads the queries
     * of many clients, whose random ids may be the same, and its answers repeat their question. The first
     * request of the id that this accepts is paired; by default the oldest.
     * @since 1.3
     */
    default boolean answers(Payload payload, Message request) {
        return true;
    }
}

package io.kindling.probe.converter.request.spi;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A protocol whose requests and responses interleave on one connection (HTTP/2's streams): the converter does not
 * cut it into messages but hands every read and write of the connection, once detected by {@link #request}, to a
 * {@link Session} of the connection's own, which reports each finished {@link Call}.
 */
public interface MultiplexedParser extends ProtocolParser {

    /** The state of one new connection; {@code server}: the process serves (its reads are the requests). */
    Session open(boolean server);

    /**
     * A session for a connection that switches to this protocol after an upgrade ({@link Message#upgrade}), or null
     * when this parser does not speak {@code token}. {@code request} is the request that asked for the upgrade (its
     * attributes as its own parser read them), sent from {@code start} to {@code end} in {@code bytes} bytes: it
     * becomes the session's first call, answered in the new protocol.
     * @since 1.2
     */
    default Session upgrade(String token, boolean server, Message request, long start, long end, long bytes) {
        return null;
    }

    /** Counters of the parser, added to the converter's statistics. */
    default Map<String, Long> statistics() {
        return Map.of();
    }

    /** Not used: a multiplexed session pairs its calls itself. */
    @Override
    default Message response(Payload payload, Message request) {
        return null;
    }

    /** One connection's state. Called on the event loop thread only; must never throw and must stay bounded. */
    interface Session {
        /**
         * The bytes of one read or write: {@code requestSide} when they go from client to server; {@code start} is
         * the call's start (a client's write) or end (a server's read), {@code end} the call's end.
         */
        void bytes(boolean requestSide, Payload payload, long start, long end, Consumer<Call> calls);

        /** The connection closed (or was forgotten) at {@code at}: the calls still open are reported. */
        void close(long at, Consumer<Call> calls);

        /** Calls open since before {@code before} are reported as unanswered. */
        default void expire(long before, long at, Consumer<Call> calls) {
        }
    }
}

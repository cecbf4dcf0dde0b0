package io.kindling.probe.converter.request.http2;

import io.kindling.probe.converter.request.http.HttpParser;
import io.kindling.probe.converter.request.http.UrlClustering;
import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.MultiplexedParser;
import io.kindling.probe.converter.request.spi.Payload;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Cleartext HTTP/2 (h2c with prior knowledge, or by an HTTP/1.1 {@code Upgrade: h2c}) and gRPC over it: one {@code net_request} per stream with
 * {@code protocol} {@code http2} or {@code grpc} (a request or response of content type {@code application/grpc},
 * or a {@code grpc-status}), {@code http_method}, {@code http_url} ({@code :path}), {@code http_status_code}
 * ({@code :status}) and for gRPC {@code grpc_service}, {@code grpc_method} and {@code grpc_status} (from the
 * trailers). Headers are decoded with each direction's HPACK table; on a connection opened before the capture
 * the table's older entries are unknown: headers that refer to them are left out (never guessed) and the event says
 * so with {@code http2_headers_unknown}.
 * <p>
 * A connection is recognised by the client's connection preface, or, when it was open before the capture, by a
 * client's write or a server's read that is whole HTTP/2 frames with a request's HEADERS frame among them. Its rank
 * is below the other parsers': they are asked first.
 * <p>
 * Its configuration is the HTTP parser's ({@value HttpParser#PID}, {@link HttpParser.Config}): one URL setting
 * ({@code url.clustering.method}, {@code keep.query}) serves HTTP/1.x and HTTP/2 alike, beside HTTP/2's bounds.
 */
@Component(service = io.kindling.probe.converter.request.spi.ProtocolParser.class, configurationPid = HttpParser.PID,
        property = "service.ranking:Integer=10")
public final class Http2Parser implements MultiplexedParser {
    private final UrlClustering clustering;
    private final boolean keepQuery;
    private final int maxStreams;
    private final int maxHeaderBlock;

    final AtomicLong streams = new AtomicLong();
    final AtomicLong unknownHeaders = new AtomicLong();
    final AtomicLong streamsWithUnknownHeaders = new AtomicLong();
    final AtomicLong blocksLost = new AtomicLong();
    final AtomicLong blocksMalformed = new AtomicLong();
    final AtomicLong syncLost = new AtomicLong();
    final AtomicLong resyncs = new AtomicLong();
    final AtomicLong streamsEvicted = new AtomicLong();
    final AtomicLong unpaired = new AtomicLong();
    final AtomicLong unseenRequests = new AtomicLong();
    final AtomicLong upgrades = new AtomicLong();

    /** The URL settings and HTTP/2's bounds, from the HTTP parser's configuration. */
    @Activate
    public Http2Parser(HttpParser.Config config) {
        this(UrlClustering.of(config.url_clustering_method()), config.keep_query(), config.http2_max_streams(),
                config.http2_max_header_block());
    }

    public Http2Parser() {
        this(UrlClustering.ALPHABET, false, 256, 16384);
    }

    public Http2Parser(UrlClustering clustering, boolean keepQuery, int maxStreams, int maxHeaderBlock) {
        this.clustering = clustering;
        this.keepQuery = keepQuery;
        this.maxStreams = Math.max(1, maxStreams);
        this.maxHeaderBlock = Math.max(1024, maxHeaderBlock);
    }

    @Override
    public String protocol() {
        return "http2";
    }

    /** A connection preface, or whole frames of a client with a HEADERS frame among them. */
    @Override
    public Message request(Payload p) {
        if (p.startsWith(0, Frames.PREFACE) || Frames.chain(p, true, true)) {
            return new Message().length(p.remaining()); // whole frames: nothing of it waits for more bytes
        }
        return null;
    }

    @Override
    public Session open(boolean server) {
        return new Http2Session(this);
    }

    /**
     * {@code h2c}: an HTTP/1.1 request with {@code Upgrade: h2c} answered {@code 101 Switching Protocols}. The request
     * is stream 1, its response comes in HTTP/2; both tables start empty, and the client's preface comes next.
     */
    @Override
    public Session upgrade(String token, boolean server, Message request, long start, long end, long bytes) {
        if (!"h2c".equals(token)) {
            return null;
        }
        return new Http2Session(this, request, start, end, bytes);
    }

    @Override
    public Map<String, Long> statistics() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("http2_streams", streams.get());
        m.put("http2_unknown_header_refs", unknownHeaders.get());
        m.put("http2_streams_with_unknown_headers", streamsWithUnknownHeaders.get());
        m.put("http2_header_blocks_lost", blocksLost.get());
        m.put("http2_header_blocks_malformed", blocksMalformed.get());
        m.put("http2_frame_sync_lost", syncLost.get());
        m.put("http2_frame_resyncs", resyncs.get());
        m.put("http2_streams_evicted", streamsEvicted.get());
        m.put("http2_unpaired_responses", unpaired.get());
        m.put("http2_responses_to_unseen_requests", unseenRequests.get());
        m.put("http2_upgrades", upgrades.get());
        return m;
    }

    UrlClustering clustering() {
        return clustering;
    }

    boolean keepQuery() {
        return keepQuery;
    }

    int maxStreams() {
        return maxStreams;
    }

    int maxHeaderBlock() {
        return maxHeaderBlock;
    }
}

package io.kindling.probe.converter.request.http;

import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * HTTP/1.0 and 1.1: {@code http_method}, {@code http_url} (the path, without the query string unless configured),
 * {@code http_status_code}; the content key is the path clustered ({@link UrlClustering}); a status of 400 or more
 * is an error. Message lengths come from {@code Content-Length}; a chunked or unframed body runs until the other
 * side speaks. {@code 1xx} responses other than 101 are interim (the final response follows); a {@code 101
 * Switching Protocols} says which protocol follows ({@link Message#upgrade}, {@code h2c}: HTTP/2).
 */
@Component(service = ProtocolParser.class, configurationPid = HttpParser.PID, property = "service.ranking:Integer=100")
@Designate(ocd = HttpParser.Config.class)
public final class HttpParser implements ProtocolParser {
    /** The configuration of HTTP/1.x and HTTP/2 (the HTTP/2 parser reads it too). */
    public static final String PID = "io.kindling.probe.converter.request.http";

    /** HTTP/1.x's and HTTP/2's URL settings, and HTTP/2's bounds. */
    @ObjectClassDefinition(name = "Kindling request converter: HTTP and HTTP/2")
    public @interface Config {
        @AttributeDefinition(name = "URL clustering", description = "How the content key is made from the path, for HTTP/1.x "
                + "and HTTP/2: alphabet (segments with other characters than letters become *), noparam (the path), blank (none); "
                + "a gRPC call's key is its /service/method")
        String url_clustering_method() default "alphabet";

        @AttributeDefinition(name = "Keep the query string", description = "Whether http_url keeps the query string, HTTP/1.x and HTTP/2 alike (it may carry personal data)")
        boolean keep_query() default false;

        @AttributeDefinition(name = "HTTP/2 streams per connection", min = "1",
                description = "HTTP/2 requests of one connection waiting for their responses; beyond it the oldest is reported as NoResponse")
        int http2_max_streams() default 256;

        @AttributeDefinition(name = "HTTP/2 header block bytes", min = "1024",
                description = "The largest HTTP/2 header block read; a larger one is passed over (its headers, and the table's entries it added, are unknown)")
        int http2_max_header_block() default 16384;
    }

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"};
    private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The longest request line or header kept in attributes. */
    private static final int MAX_URL = 2048;

    private final UrlClustering clustering;
    private final boolean keepQuery;

    @Activate
    public HttpParser(Config config) {
        this(UrlClustering.of(config.url_clustering_method()), config.keep_query());
    }

    public HttpParser() {
        this(UrlClustering.ALPHABET, false);
    }

    public HttpParser(UrlClustering clustering, boolean keepQuery) {
        this.clustering = clustering;
        this.keepQuery = keepQuery;
    }

    @Override
    public String protocol() {
        return "http";
    }

    @Override
    public Message request(Payload p) {
        String method = null;
        for (String m : METHODS) {
            if (p.startsWith(0, m) && p.u8(m.length()) == ' ') {
                method = m;
                break;
            }
        }
        if (method == null) {
            return null;
        }
        int urlStart = method.length() + 1;
        if (p.u8(urlStart) != '/' && p.u8(urlStart) != '*' && !p.startsWith(urlStart, "http")) {
            return null;
        }
        int space = p.indexOf(urlStart, (byte) ' ');
        int lineEnd = p.indexOf(urlStart, (byte) '\r');
        if (space > 0 && (lineEnd < 0 || space < lineEnd)) {
            if (!p.startsWith(space + 1, "HTTP/1.")) {
                if (space + 8 <= p.captured()) {
                    return null;
                }
            }
        } else if (lineEnd >= 0) {
            return null; // HTTP/0.9 or no version: not a request this parser reads
        } else {
            space = Math.min(p.captured(), urlStart + MAX_URL); // the request line goes past what was kept
        }
        String url = p.text(urlStart, Math.min(space, urlStart + MAX_URL));
        int q = url.indexOf('?');
        String path = q >= 0 ? url.substring(0, q) : url;
        Message m = new Message().attribute("http_method", method).attribute("http_url", keepQuery ? url : path)
                .contentKey(clustering.cluster(path));
        int headEnd = p.indexOf(0, HEAD_END);
        m.state(method);
        if (headEnd < 0) {
            return m.length(Message.UNTIL_REPLY);
        }
        long head = headEnd + 4L;
        long body = bodyLength(p, headEnd);
        if (body == CHUNKED) {
            return m.length(Message.UNTIL_REPLY);
        }
        return m.length(head + Math.max(0, body));
    }

    @Override
    public Message response(Payload p, Message request) {
        if (!p.startsWith(0, "HTTP/1.") || p.u8(8) != ' ') {
            return null;
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            int d = p.u8(i);
            if (d < '0' || d > '9') {
                return null;
            }
            status = status * 10 + d - '0';
        }
        int headEnd = p.indexOf(0, HEAD_END);
        Message m = new Message().attribute("http_status_code", status).error(status >= 400);
        if (status >= 100 && status < 200 && status != 101) {
            m.interim();
        }
        if (headEnd < 0) {
            return m.length(Message.UNTIL_REPLY);
        }
        long head = headEnd + 4L;
        if (status == 101) {
            String to = header(p, headEnd, "upgrade");
            if (to != null) {
                m.upgrade(to.toLowerCase(Locale.ROOT)); // the connection speaks this after the head (h2c: HTTP/2)
            }
        }
        boolean headRequest = request != null && "HEAD".equals(request.state());
        if (headRequest || status == 204 || status == 304 || status < 200) {
            return m.length(head);
        }
        long body = bodyLength(p, headEnd);
        return m.length(body < 0 ? Message.UNTIL_REPLY : head + body);
    }

    private static final long CHUNKED = -2;

    /** The value of the last header named {@code wanted} of the head that ends at {@code headEnd}, or null. */
    private static String header(Payload p, int headEnd, String wanted) {
        String value = null;
        int line = p.indexOf(0, (byte) '\n') + 1;
        while (line > 0 && line < headEnd) {
            int next = p.indexOf(line, (byte) '\n');
            if (next < 0 || next > headEnd + 2) {
                break;
            }
            String header = p.text(line, next).trim();
            int colon = header.indexOf(':');
            if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase(wanted)) {
                value = header.substring(colon + 1).trim();
            }
            line = next + 1;
        }
        return value;
    }

    /** The body's length from the head's headers: Content-Length, CHUNKED, or -1 when none says; 0 for a request without. */
    private static long bodyLength(Payload p, int headEnd) {
        String coding = header(p, headEnd, "transfer-encoding");
        if (coding != null && coding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return CHUNKED;
        }
        String length = header(p, headEnd, "content-length");
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

package io.kindling.probe.converter.request;

import io.kindling.probe.api.Attribute;
import io.kindling.probe.api.Category;
import io.kindling.probe.api.FdContext;
import io.kindling.probe.api.FdType;
import io.kindling.probe.api.KindlingEvent;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.Source;
import io.kindling.probe.api.ThreadContext;
import io.kindling.probe.api.ValueType;
import io.kindling.probe.converter.request.spi.Message;
import java.util.Map;

/** Makes the {@code net_request} event of an exchange, with Kindling's attribute names. */
final class Outcomes {
    static final String NAME = "net_request";
    static final String NO_ERROR = "NoError";
    static final String CONNECT_FAIL = "ConnectFail";
    static final String NO_RESPONSE = "NoResponse";
    static final String PROTOCOL_ERROR = "ProtocolError";

    private final long defaultSlowNanos;
    private final Map<String, Long> slowNanos;

    Outcomes(long defaultSlowNanos, Map<String, Long> slowNanos) {
        this.defaultSlowNanos = defaultSlowNanos;
        this.slowNanos = slowNanos;
    }

    long slowThreshold(String protocol) {
        return slowNanos.getOrDefault(protocol, defaultSlowNanos);
    }

    /** A request and its response. */
    KindlingEvent answered(Connection c, Exchange x) {
        long sent = Math.max(0, x.requestEnd - x.requestStart);
        long ttfb = Math.max(0, x.responseFirst - x.requestEnd);
        long download = Math.max(0, x.responseEnd - x.responseFirst);
        boolean error = x.unreadable || x.response != null && x.response.isError();
        KindlingEvent e = event(c, x.tuple, x.responseEnd, sent + ttfb + download, protocol(c, x), sent, ttfb, download,
                x.requestBytes, x.responseBytes, error, x.unreadable ? PROTOCOL_ERROR : NO_ERROR, x.request);
        if (x.response != null) {
            for (Attribute a : x.response.attributes()) {
                e.addAttribute(a);
            }
        }
        return e;
    }

    /** A request whose response never came: the connection closed, or the wait timed out at {@code at}. */
    KindlingEvent unanswered(Connection c, Exchange x, long at) {
        long sent = Math.max(0, x.requestEnd - x.requestStart);
        long total = Math.max(sent, at - x.requestStart);
        return event(c, x.tuple, at, total, protocol(c, x), sent, 0, 0, x.requestBytes, 0, true, NO_RESPONSE, x.request);
    }

    /** The request's own protocol where its parser tells one (gRPC over HTTP/2), else the connection's. */
    private static String protocol(Connection c, Exchange x) {
        String p = x.request == null ? null : x.request.protocol();
        return p != null ? p : c.protocol();
    }

    /** A connect that failed. */
    KindlingEvent connectFailed(long fd, boolean v6, Tuple t, ThreadContext thread, Source source, long at, long latency,
            String protocol) {
        Connection c = new Connection(thread.pid(), fd, false);
        c.tuple = t;
        c.thread = thread;
        c.source = source;
        KindlingEvent e = event(c, null, at, latency, protocol, 0, 0, 0, 0, 0, true, CONNECT_FAIL, null);
        if (t == null) {
            e.setFd(new FdContext(fd, v6 ? FdType.IPV6_SOCK : FdType.IPV4_SOCK));
        }
        return e;
    }

    private KindlingEvent event(Connection c, Tuple datagramPeer, long at, long total, String protocol, long sent, long ttfb,
            long download, long requestBytes, long responseBytes, boolean error, String errorType, Message request) {
        ThreadContext thread = c.thread != null ? c.thread : new ThreadContext(c.pid, c.pid, 0, 0, "", "");
        KindlingEvent e = new KindlingEvent(NAME, Category.NET, c.source != null ? c.source : Source.UNKNOWN, at, total, thread);
        Tuple t = datagramPeer != null ? datagramPeer : c.tuple;
        if (t != null) {
            e.setFd(new FdContext(c.fd, t.v6() ? FdType.IPV6_SOCK : FdType.IPV4_SOCK).socket(c.udp ? L4Protocol.UDP : L4Protocol.TCP,
                    c.server, t.sip(), t.sport(), t.dip(), t.dport()));
        }
        e.addAttribute(Attribute.ofString("protocol", protocol));
        e.addAttribute(new Attribute("is_server", ValueType.BOOL, c.server));
        e.addAttribute(Attribute.ofLong("request_sent_time", ValueType.UINT64, sent));
        e.addAttribute(Attribute.ofLong("waiting_ttfb_time", ValueType.UINT64, ttfb));
        e.addAttribute(Attribute.ofLong("content_download_time", ValueType.UINT64, download));
        e.addAttribute(Attribute.ofLong("request_total_time", ValueType.UINT64, total));
        e.addAttribute(Attribute.ofLong("request_io", ValueType.UINT64, requestBytes));
        e.addAttribute(Attribute.ofLong("response_io", ValueType.UINT64, responseBytes));
        e.addAttribute(new Attribute("is_slow", ValueType.BOOL, total >= slowThreshold(protocol)));
        e.addAttribute(new Attribute("is_error", ValueType.BOOL, error));
        e.addAttribute(Attribute.ofString("error_type", errorType));
        e.addAttribute(Attribute.ofString("content_key", request == null ? "" : request.contentKey()));
        if (request != null) {
            for (Attribute a : request.attributes()) {
                e.addAttribute(a);
            }
        }
        return e;
    }
}

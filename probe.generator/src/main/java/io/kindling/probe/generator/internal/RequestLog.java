package io.kindling.probe.generator.internal;

import java.io.IOException;
import java.io.Writer;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The log of the requests a capture holds: one line per {@code net_request} the probe must report (a request
 * seen by both its client and its server gives two), written when the last event that decides it is written.
 * The activities tag their events with {@link Mark}s; {@link #stamped} applies them with the events' times,
 * so the times logged are those of the events as written. The fields follow the README's definitions:
 * <ul>
 * <li>client: {@code request_sent_time} from the enter of the request's first write to the exit of its last;
 * server: from the exit of its first read to the exit of its last;
 * <li>{@code waiting_ttfb_time} from there to the exit of the response's first call, {@code content_download_time}
 * to the exit of its last, which is the event's timestamp; {@code request_total_time} their sum;
 * <li>a request whose response never comes ({@code NoResponse}): its timestamp is the enter of the close, its
 * total time from the request's start to it, the other two 0;
 * <li>a refused connect ({@code ConnectFail}): the connect's exit, its total the connect's latency;
 * <li>a request in flight when the capture ends: as the end of a replay reports it (a response begun: answered
 * with the part seen; none: {@code NoResponse} at the connection's last read or write).
 * </ul>
 */
final class RequestLog {

    /** Sets the request's start when not set yet (the enter of a client's write, the exit of a server's read). */
    static final int START = 1;
    /** A call that carries request bytes: its exit ends the request so far. */
    static final int REQUEST = 2;
    /** A call that carries response bytes. */
    static final int RESPONSE = 4;
    /** The call ends the response: the request is logged. */
    static final int DONE = 8;
    /** The enter of a close before any response: logged as {@code NoResponse}. */
    static final int CLOSED = 16;
    /** The exit of a connect that failed: logged as {@code ConnectFail}. */
    static final int CONNECT_FAILED = 32;

    /** One side of a connection: its process and fd, and when and on which thread data last moved. */
    static final class Sock {
        final long pid;
        long fd;
        long lastSeen = -1;
        long lastTid;

        Sock(long pid) {
            this.pid = pid;
        }
    }

    /** A request as one side sees it, until it is logged. */
    static final class Entry {
        Sock sock;
        boolean server;
        String protocol;
        int port;
        long requestStart = -1;
        long requestEnd = -1;
        long responseFirst = -1;
        long responseEnd = -1;
        long requestIo;
        long responseIo;
        boolean error;
        String[] names;
        String[] values;
        int requestAttrs;
    }

    /** What an event does to an entry when it is written; chained for calls that carry several requests. */
    static final class Mark {
        final Entry entry;
        final int kind;
        final long bytes;
        final Mark next;

        Mark(Entry entry, int kind, long bytes, Mark next) {
            this.entry = entry;
            this.kind = kind;
            this.bytes = bytes;
            this.next = next;
        }
    }

    private Writer out;
    private final StringBuilder line = new StringBuilder(512);
    private final Set<Entry> open = new LinkedHashSet<>();
    /** Client process and server port pairs whose protocol the probe has found (a request was sent). */
    private final Set<Long> verdicts = new HashSet<>();
    long written;

    void open(Writer w) {
        out = w;
    }

    /** A new entry for an exchange seen from one side, with the exchange's expected attributes. */
    Entry entry(Sock sock, boolean server, String protocol, int port, Exchange x) {
        Entry e = new Entry();
        e.sock = sock;
        e.server = server;
        e.protocol = protocol;
        e.port = port;
        e.error = x.error;
        int n = x.attributes(true);
        e.names = new String[n];
        e.values = new String[n];
        for (int i = 0; i < n; i++) {
            e.names[i] = x.name(i);
            e.values[i] = x.value(i);
        }
        e.requestAttrs = x.attributes(false);
        open.add(e);
        return e;
    }

    /** An entry for a connect that fails. */
    Entry connectEntry(Sock sock, String protocol, int port) {
        Entry e = new Entry();
        e.sock = sock;
        e.protocol = protocol;
        e.port = port;
        e.names = new String[0];
        e.values = new String[0];
        open.add(e);
        return e;
    }

    /** Applies the marks of an event written at {@code ts}. */
    void stamped(Ev ev, long ts) throws IOException {
        for (Mark m = (Mark) ev.tag; m != null; m = m.next) {
            Entry e = m.entry;
            int k = m.kind;
            if ((k & START) != 0 && e.requestStart < 0) {
                e.requestStart = ts;
            }
            if ((k & REQUEST) != 0) {
                e.requestEnd = ts;
                e.requestIo += m.bytes;
                touch(e, ev, ts);
                if (!e.server) {
                    verdicts.add(verdictKey(e.sock.pid, e.port));
                }
            }
            if ((k & RESPONSE) != 0) {
                if (e.responseFirst < 0) {
                    e.responseFirst = ts;
                }
                e.responseEnd = ts;
                e.responseIo += m.bytes;
                touch(e, ev, ts);
            }
            if ((k & DONE) != 0) {
                answered(e);
            } else if ((k & CLOSED) != 0) {
                unanswered(e, ts);
            } else if ((k & CONNECT_FAILED) != 0) {
                connectFailed(e, ev, ts);
            }
        }
    }

    private static void touch(Entry e, Ev ev, long ts) {
        e.sock.lastSeen = ts;
        e.sock.lastTid = ev.th.tid;
    }

    private static long verdictKey(long pid, int port) {
        return pid << 16 | port;
    }

    /** The requests the capture ended in: logged as the end of a replay reports them. */
    void end() throws IOException {
        for (Entry e : open.toArray(new Entry[0])) {
            if (e.requestEnd < 0) {
                open.remove(e); // the probe never saw it
            } else if (e.responseFirst >= 0) {
                answered(e);
            } else {
                unanswered(e, e.sock.lastSeen);
            }
        }
    }

    private void answered(Entry e) throws IOException {
        long sent = e.requestEnd - e.requestStart;
        long ttfb = e.responseFirst - e.requestEnd;
        long download = e.responseEnd - e.responseFirst;
        write(e, e.responseEnd, e.sock.lastTid, e.responseIo, sent, ttfb, download, e.error, "NoError", e.names.length);
    }

    private void unanswered(Entry e, long at) throws IOException {
        long sent = e.requestEnd - e.requestStart;
        write(e, at, e.sock.lastTid, 0, sent, 0, Math.max(sent, at - e.requestStart) - sent, true, "NoResponse",
                e.requestAttrs);
    }

    private void connectFailed(Entry e, Ev ev, long ts) throws IOException {
        String protocol = verdicts.contains(verdictKey(e.sock.pid, e.port)) ? e.protocol : "NOSUPPORT";
        e.protocol = protocol;
        write(e, ts, ev.th.tid, 0, 0, 0, ts - e.requestStart, true, "ConnectFail", 0);
    }

    /**
     * One line; for {@code NoResponse} and {@code ConnectFail} the part of the total beyond the request's
     * sending is passed as {@code download} and logged in the total only.
     */
    private void write(Entry e, long ts, long tid, long responseIo, long sent, long ttfb, long download, boolean error,
            String errorType, int attrs) throws IOException {
        open.remove(e);
        boolean failed = !errorType.equals("NoError");
        long total = sent + ttfb + download;
        line.setLength(0);
        line.append(ts).append('\t').append(e.sock.pid).append('\t').append(tid).append('\t').append(e.sock.fd)
                .append('\t').append(e.server).append('\t').append(e.requestIo).append('\t').append(responseIo)
                .append('\t').append(sent).append('\t').append(ttfb).append('\t').append(failed ? 0 : download)
                .append('\t').append(total);
        attr("protocol", e.protocol);
        attr("is_error", String.valueOf(error));
        attr("error_type", errorType);
        attr("is_slow", String.valueOf(total >= slowThreshold(e.protocol)));
        if (errorType.equals("ConnectFail")) {
            attr("content_key", "");
        }
        for (int i = 0; i < attrs; i++) {
            attr(e.names[i], e.values[i]);
        }
        line.append('\n');
        out.append(line);
        written++;
    }

    private void attr(String name, String value) {
        line.append('\t').append(name).append('=').append(value);
    }

    /** The probe's default thresholds of {@code is_slow} (Kindling's): 100 ms for these, 500 ms for the others. */
    static long slowThreshold(String protocol) {
        return switch (protocol) {
            case "mysql", "redis", "kafka", "dns" -> 100_000_000L;
            default -> 500_000_000L;
        };
    }
}

package io.kindling.probe.converter.request.pgsql;

import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import io.kindling.probe.converter.request.sql.SqlText;
import org.osgi.service.component.annotations.Component;

/**
 * PostgreSQL (protocol 3, without TLS): a request is a simple query ({@code Q}) or an extended query (the
 * messages up to its {@code Sync}); {@code sql} is its text with literals replaced by {@code ?}, the content key
 * its operation and table. The response runs up to {@code ReadyForQuery}; an {@code ErrorResponse} in it gives
 * {@code sql_error_code} (the SQLSTATE). The startup and authentication exchange is not a request. A
 * {@code COPY ... FROM STDIN} is one request: the data the client sends after the server's {@code CopyInResponse}
 * counts in it, and its response is what follows the data.
 */
@Component(service = ProtocolParser.class, property = "service.ranking:Integer=46")
public final class PgsqlParser implements ProtocolParser {
    private static final String FRONTEND = "QPBEDSCHFdcf";

    @Override
    public String protocol() {
        return "pgsql";
    }

    @Override
    public Message request(Payload p) {
        int type = p.u8(0);
        long len = p.i32(1);
        if (type < 0 || FRONTEND.indexOf(type) < 0 || len < 4 || len > 64 << 20 || len + 1 > p.remaining()) {
            return null;
        }
        if (type == 'Q') {
            String sql = text(p, 5, (int) Math.min(len + 1, p.captured()));
            if (sql == null) {
                return null;
            }
            return query(sql).length(len + 1);
        }
        if (type == 'd' || type == 'c' || type == 'f') {
            return new Message().length(len + 1).continuation(); // COPY data, its end or its failure
        }
        if (type == 'X') {
            return len == 4 ? new Message().length(5).oneWay() : null;
        }
        // an extended query: messages up to Sync; the text from Parse
        String sql = null;
        long at = 0;
        for (int n = 0; n < 64; n++) {
            int t = p.u8((int) at);
            long l = p.i32((int) at + 1);
            if (t < 0 || l == Long.MIN_VALUE) {
                return sql == null && n == 0 ? null : query(sql == null ? "" : sql).length(Message.UNTIL_REPLY);
            }
            if (FRONTEND.indexOf(t) < 0 || l < 4) {
                return null;
            }
            if (t == 'P' && sql == null) {
                int name = p.indexOf((int) at + 5, (byte) 0);
                if (name >= 0) {
                    sql = text(p, name + 1, (int) Math.min(at + 1 + l, p.captured()));
                    if (sql == null) {
                        return null;
                    }
                }
            }
            at += 1 + l;
            if (t == 'S') {
                return query(sql == null ? "" : sql).length(at);
            }
        }
        return null;
    }

    private static Message query(String sql) {
        String clean = SqlText.withoutLiterals(sql, false);
        return new Message().attribute("sql", clean).contentKey(SqlText.contentKey(clean));
    }

    @Override
    public Message response(Payload p, Message request) {
        int first = p.u8(0);
        if (first < 0 || "ERTDCZI123tnsAKNSVWcdGH".indexOf(first) < 0 || p.i32(1) < 4) {
            return null;
        }
        if (first == 'G' && p.i32(1) <= 1 << 16) {
            // CopyInResponse: the client sends the data now, the outcome comes after it
            return new Message().length(p.i32(1) + 1).interim();
        }
        Message m = new Message().length(Message.UNTIL_REPLY);
        long at = 0;
        for (int n = 0; n < 4096; n++) {
            int t = p.u8((int) at);
            long l = p.i32((int) at + 1);
            if (t < 0 || l == Long.MIN_VALUE || l < 4) {
                break;
            }
            if (t == 'E') {
                String code = field(p, (int) at + 5, (int) Math.min(at + 1 + l, p.captured()), 'C');
                m.attribute("sql_error_code", code == null ? "" : code).error(true);
            }
            at += 1 + l;
            if (t == 'Z') {
                m.length(at);
                break;
            }
        }
        return m;
    }

    /** The NUL-terminated text at {@code from} (cut at {@code to}); null when not text. */
    private static String text(Payload p, int from, int to) {
        int end = from;
        while (end < to && p.u8(end) != 0) {
            int c = p.u8(end);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                return null;
            }
            end++;
        }
        return p.text(from, end);
    }

    /** A field of an ErrorResponse: its type byte, then NUL-terminated text. */
    private static String field(Payload p, int from, int to, char type) {
        int i = from;
        while (i < to && p.u8(i) > 0) {
            int t = p.u8(i);
            int end = p.indexOf(i + 1, (byte) 0);
            if (end < 0 || end > to) {
                return null;
            }
            if (t == type) {
                return p.text(i + 1, end);
            }
            i = end + 1;
        }
        return null;
    }
}

package io.kindling.probe.converter.request.mysql;

import io.kindling.probe.converter.request.spi.Message;
import io.kindling.probe.converter.request.spi.Payload;
import io.kindling.probe.converter.request.spi.ProtocolParser;
import io.kindling.probe.converter.request.sql.SqlText;
import org.osgi.service.component.annotations.Component;

/**
 * MySQL and MariaDB (the client/server protocol, without TLS): a request is a command packet (sequence 0);
 * {@code sql} is a query's or prepared statement's text with its literals replaced by {@code ?}, the content key
 * its operation and table; the execution of a prepared statement carries the text of its prepare (the statement
 * ids the prepares were answered with are kept, at most 16384 over all connections, the least recently used
 * forgotten beyond); an ERR packet answering it gives {@code sql_error_code} (the error number). The
 * handshake is not a request. A result set runs until the next command (its end is not read from its packets).
 */
@Component(service = ProtocolParser.class, property = "service.ranking:Integer=45")
public final class MysqlParser implements ProtocolParser {
    static final int COM_QUIT = 0x01;
    static final int COM_INIT_DB = 0x02;
    static final int COM_QUERY = 0x03;
    static final int COM_STMT_PREPARE = 0x16;
    static final int COM_STMT_EXECUTE = 0x17;
    static final int COM_STMT_CLOSE = 0x19;

    private static final String[] NAMES = new String[0x20];

    static {
        NAMES[0x01] = "QUIT";
        NAMES[0x02] = "INIT_DB";
        NAMES[0x03] = "QUERY";
        NAMES[0x04] = "FIELD_LIST";
        NAMES[0x09] = "STATISTICS";
        NAMES[0x0e] = "PING";
        NAMES[0x11] = "CHANGE_USER";
        NAMES[0x16] = "STMT_PREPARE";
        NAMES[0x17] = "STMT_EXECUTE";
        NAMES[0x18] = "STMT_SEND_LONG_DATA";
        NAMES[0x19] = "STMT_CLOSE";
        NAMES[0x1a] = "STMT_RESET";
        NAMES[0x1b] = "SET_OPTION";
        NAMES[0x1c] = "STMT_FETCH";
        NAMES[0x1f] = "RESET_CONNECTION";
    }

    @Override
    public String protocol() {
        return "mysql";
    }

    @Override
    public Message request(Payload p) {
        long len = p.le(0, 3);
        int seq = p.u8(3);
        int cmd = p.u8(4);
        if (len < 1 || seq != 0 || cmd < 0 || cmd >= NAMES.length || NAMES[cmd] == null || len + 4 > p.remaining()) {
            return null;
        }
        Message m = new Message().length(len + 4);
        if (cmd == COM_STMT_CLOSE && len == 5) {
            Statements statements = p.connectionState(Statements.class, Statements::new);
            if (statements != null) {
                prepared.remove(new StatementId(statements, p.le(5, 4)));
            }
            return m.oneWay();
        }
        if (cmd == COM_QUIT || cmd == COM_STMT_CLOSE || cmd == 0x18) {
            return len == (cmd == COM_QUIT ? 1 : len) ? m.oneWay() : null;
        }
        if (cmd == COM_STMT_EXECUTE) {
            if (len < 10) {
                return null; // the statement id, flags and iteration count at least
            }
            Statements statements = p.connectionState(Statements.class, Statements::new);
            long id = p.le(5, 4);
            // MariaDB's id -1: the statement prepared just before, whose id its client did not wait for
            String sql = statements == null ? null : id == 0xffffffffL ? statements.last : prepared.get(new StatementId(statements, id));
            return sql == null ? m.contentKey(NAMES[cmd]) : m.attribute("sql", sql).contentKey(SqlText.contentKey(sql));
        }
        if (cmd == COM_QUERY || cmd == COM_STMT_PREPARE) {
            int end = (int) Math.min(len + 4, p.captured());
            if (end <= 5 || !printable(p, 5, end)) {
                return null;
            }
            String sql = SqlText.withoutLiterals(p.text(5, end), true);
            if (sql.isEmpty()) {
                return null;
            }
            if (cmd == COM_STMT_PREPARE) {
                m.state(new Prepare(sql));
                Statements statements = p.connectionState(Statements.class, Statements::new);
                if (statements != null) {
                    statements.last = sql;
                }
            }
            return m.attribute("sql", sql).contentKey(SqlText.contentKey(sql));
        }
        if (cmd == COM_INIT_DB && !printable(p, 5, (int) Math.min(len + 4, p.captured()))) {
            return null;
        }
        if (cmd == 0x0e && len != 1) {
            return null; // a ping is the command alone
        }
        return m.contentKey(NAMES[cmd]);
    }

    @Override
    public Message response(Payload p, Message request) {
        long len = p.le(0, 3);
        int first = p.u8(4);
        if (len < 1 || first < 0) {
            return null;
        }
        Message m = new Message();
        if (first == 0xff) {
            long code = p.le(5, 2);
            m.attribute("sql_error_code", code).error(true).length(len + 4);
        } else if (first == 0x00 && len >= 12 && request != null && request.state() instanceof Prepare prepare) {
            // COM_STMT_PREPARE_OK: the statement's id, then its parameters' and columns' definitions
            Statements statements = p.connectionState(Statements.class, Statements::new);
            if (statements != null) {
                prepared.put(new StatementId(statements, p.le(5, 4)), prepare.sql());
            }
            m.length(prepared(p, len));
        } else if (first == 0x00 && len >= 7) {
            m.length(len + 4); // OK
        } else {
            m.length(resultSet(p));
        }
        return m;
    }

    /**
     * The length of a result set (a column count, its columns' definitions, an EOF unless the client deprecated it,
     * rows, then an EOF, an OK of header 0xfe or an ERR), or {@link Message#UNTIL_REPLY} when its end is beyond what
     * is known: it then runs until the next request.
     */
    private static long resultSet(Payload p) {
        long columns = p.u8(4);
        if (columns < 1 || columns > 250) {
            return Message.UNTIL_REPLY;
        }
        long at = definitions(p, next(p, 0), columns);
        for (int n = 0; at >= 0 && n < 100_000; n++) {
            long len = p.le((int) at, 3);
            int first = p.u8((int) at + 4);
            if (len < 0 || first < 0) {
                return Message.UNTIL_REPLY;
            }
            if (first == 0xff || first == 0xfe && len < 0xffffff) {
                return at + 4 + len; // its last packet
            }
            at = next(p, at);
        }
        return Message.UNTIL_REPLY;
    }

    /** The length of a prepare's answer: the OK, its parameters' and then its columns' definitions, each with its EOF. */
    private static long prepared(Payload p, long len) {
        long at = definitions(p, 4 + len, p.le(11, 2));
        at = definitions(p, at, p.le(9, 2));
        return at < 0 ? Message.UNTIL_REPLY : at;
    }

    /**
     * Past {@code count} definition packets from {@code at} and the EOF after them (when the client did not deprecate
     * it); -1 when that is beyond what is known.
     */
    private static long definitions(Payload p, long at, long count) {
        for (long i = 0; i < count && at >= 0; i++) {
            at = next(p, at);
        }
        if (at < 0 || count <= 0) {
            return at;
        }
        if (at >= p.captured()) {
            // the bytes end with the definitions: an EOF would have come with them
            return at == p.remaining() ? at : -1;
        }
        return p.le((int) at, 3) == 5 && p.u8((int) at + 4) == 0xfe ? next(p, at) : at;
    }

    /** The offset after the packet at {@code at}, or -1 when its header is beyond what is known. */
    private static long next(Payload p, long at) {
        long len = at < 0 || at > Integer.MAX_VALUE - 4 ? -1 : p.le((int) at, 3);
        return len < 0 ? -1 : at + 4 + len;
    }

    /** A statement being prepared: its text, for the id its response gives. */
    record Prepare(String sql) {}

    /** What a connection keeps: the text of the statement it prepared last (its texts by id are in {@link #prepared}). */
    static final class Statements {
        String last;
    }

    /** A statement id of one connection (the connection's {@link Statements}, compared by identity). */
    record StatementId(Statements connection, long id) {}

    /** Prepared statements' texts kept at most, over all connections. */
    static final int MAX_STATEMENTS = 16384;

    /**
     * The texts of the prepared statements of all connections by connection and id, the least recently used
     * forgotten beyond {@link #MAX_STATEMENTS} (so those of connections gone age out).
     */
    private final java.util.LinkedHashMap<StatementId, String> prepared = new java.util.LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<StatementId, String> eldest) {
            return size() > MAX_STATEMENTS;
        }
    };

    private static boolean printable(Payload p, int from, int to) {
        for (int i = from; i < to; i++) {
            int c = p.u8(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}

package io.kindling.probe.generator.internal;

/**
 * An application talking to PostgreSQL (protocol 3): each connection opens with the client's StartupMessage and the
 * server's answer up to its first {@code ReadyForQuery} (no request); then simple queries ({@code Q}) answered by
 * {@code RowDescription}, {@code DataRow}s, {@code CommandComplete} and {@code ReadyForQuery}; statements that fail
 * (42P01 a relation that does not exist, 23505 a unique key violated, 42601 a syntax error) answered by an
 * {@code ErrorResponse} and {@code ReadyForQuery}; transactions ({@code BEGIN}, {@code COMMIT}, a {@code ROLLBACK}
 * after an error in one); and extended
 * queries as JDBC sends them ({@code Parse}, {@code Bind}, {@code Describe}, {@code Execute}, {@code Sync}).
 *
 * <p>The client is a Java service (the JDBC driver, three threads) and the server PostgreSQL on port 5432; one
 * connection at a time, of a few to a few dozen statements, closed by the client; rarely the server goes away in
 * the middle of a statement (no answer, the connection closes).
 *
 * <p>The truth logged for each request is what the statement is: its text with the literals the workload put in
 * replaced by {@code ?} (a parameter such as {@code $1} is not a literal), its operation and table, and the
 * SQLSTATE the server answered.
 */
final class PgsqlWorkload extends SessionWorkload {

    private static final String[] NAMES = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
    private static final int INT4 = 23;
    private static final int INT8 = 20;
    private static final int TEXT = 25;
    private static final int NUMERIC = 1700;
    private static final int TABLE_USERS = 16390;
    private static final int TABLE_ORDERS = 16402;
    private static final int TABLE_ITEMS = 16415;

    private final Bytes text = new Bytes(1024);
    private boolean inTransaction;
    private boolean aborted;

    PgsqlWorkload() {
        super(3, 40);
    }

    @Override
    public String protocol() {
        return "pgsql";
    }

    @Override
    public Proc server() {
        return new Proc(4300, "postgres", "/usr/lib/postgresql/15/bin/postgres", "/usr/lib/postgresql/15/bin/postgres",
                new String[] {"-D", "/var/lib/postgresql/15/main", "-c", "config_file=/etc/postgresql/15/main/postgresql.conf"},
                "/var/lib/postgresql/15/main", 0, 2);
    }

    @Override
    public Proc client() {
        return new Proc(4310, "java", "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", new String[] {"-Xmx512m", "-jar",
            "/opt/orders/orders-service.jar"}, "/opt/orders", 1000, 3);
    }

    @Override
    public int port() {
        return 5432;
    }

    @Override
    void exchange(Exchange x, Rng rng, boolean first) {
        if (first) {
            inTransaction = false;
            aborted = false;
            // the startup: the client's StartupMessage, the server's answer up to its first ReadyForQuery
            startup(x.opening);
            x.openingTurn(false);
            startupAnswer(x.opening, 20_000 + rng.nextInt(40_000), rng);
            x.openingTurn(true);
        }
        x.handlerNs = 1000L * rng.between(40, 1200);
        statement(x, rng);
        serverGoesAway(x, rng, 3);
    }

    /** The client ends a connection outside a transaction. */
    @Override
    boolean mayEnd() {
        return !inTransaction;
    }

    private void statement(Exchange x, Rng rng) {
        Bytes request = x.request;
        Bytes response = x.response;
        if (aborted) {
            query(request, "ROLLBACK");
            expectQuery(x, "ROLLBACK", "ROLLBACK");
            aborted = false;
            inTransaction = false;
            complete(response, "ROLLBACK");
            ready(response);
            return;
        }
        if (inTransaction && rng.percent(40)) {
            query(request, "COMMIT");
            expectQuery(x, "COMMIT", "COMMIT");
            inTransaction = false;
            complete(response, "COMMIT");
            ready(response);
            return;
        }
        int kind = rng.nextInt(100);
        if (kind < 30) {
            int id = rng.between(1, 50_000);
            query(request, "SELECT id, name, email FROM users WHERE id = " + id);
            expectQuery(x, "SELECT id, name, email FROM users WHERE id = ?", "SELECT users");
            String name = NAMES[id % NAMES.length];
            rowDescription(response, TABLE_USERS, new String[] {"id", "name", "email"}, new int[] {INT4, TEXT, TEXT});
            dataRow(response, Integer.toString(id), name, name + id + "@example.com");
            complete(response, "SELECT 1");
            ready(response);
        } else if (kind < 42) {
            int user = rng.between(1, 50_000);
            query(request, "SELECT o.id, o.total FROM orders o WHERE o.user_id = " + user
                    + " AND o.created_at > now() - interval '7 days' ORDER BY o.id DESC");
            expectQuery(x, "SELECT o.id, o.total FROM orders o WHERE o.user_id = ? AND o.created_at > now() - interval ? "
                    + "ORDER BY o.id DESC", "SELECT orders");
            int rows = rng.nextInt(5);
            rowDescription(response, TABLE_ORDERS, new String[] {"id", "total"}, new int[] {INT8, NUMERIC});
            for (int i = 0; i < rows; i++) {
                dataRow(response, Integer.toString(700_000 - user - i), (12 + i * 3) + ".50");
            }
            complete(response, "SELECT " + rows);
            ready(response);
        } else if (kind < 55) {
            int user = rng.between(1, 50_000);
            query(request, "INSERT INTO orders (user_id, item_id, quantity) VALUES (" + user + ", " + rng.between(1, 900) + ", "
                    + rng.between(1, 9) + ") RETURNING id");
            expectQuery(x, "INSERT INTO orders (user_id, item_id, quantity) VALUES (?, ?, ?) RETURNING id", "INSERT orders");
            rowDescription(response, TABLE_ORDERS, new String[] {"id"}, new int[] {INT8});
            dataRow(response, Integer.toString(800_000 + rng.nextInt(100_000)));
            complete(response, "INSERT 0 1");
            ready(response);
        } else if (kind < 63) {
            query(request, "UPDATE items SET stock = stock - " + rng.between(1, 9) + " WHERE id = " + rng.between(1, 900));
            expectQuery(x, "UPDATE items SET stock = stock - ? WHERE id = ?", "UPDATE items");
            complete(response, "UPDATE 1");
            ready(response);
        } else if (kind < 67) {
            query(request, "DELETE FROM sessions WHERE expires_at < '2026-12-0" + rng.between(1, 7) + "'");
            expectQuery(x, "DELETE FROM sessions WHERE expires_at < ?", "DELETE sessions");
            complete(response, "DELETE " + rng.nextInt(30));
            ready(response);
        } else if (kind < 71) {
            query(request, "SELECT * FROM order_archive WHERE id = " + rng.between(1, 90_000));
            expectQuery(x, "SELECT * FROM order_archive WHERE id = ?", "SELECT order_archive");
            error(x, "42P01", "relation \"order_archive\" does not exist", "15", "parse_relation.c", "1392",
                    "parserOpenTable");
            ready(response);
        } else if (kind < 74) {
            String name = NAMES[rng.nextInt(NAMES.length)];
            query(request, "INSERT INTO users (name, email) VALUES ('" + name + "', '" + name + "@example.com')");
            expectQuery(x, "INSERT INTO users (name, email) VALUES (?, ?)", "INSERT users");
            error(x, "23505", "duplicate key value violates unique constraint \"users_email_key\"", null,
                    "nbtinsert.c", "664", "_bt_check_unique");
            ready(response);
        } else if (kind < 77) {
            query(request, "SELECT name FORM users WHERE id = " + rng.between(1, 50_000));
            // no FROM: the operation is all the content key can tell
            expectQuery(x, "SELECT name FORM users WHERE id = ?", "SELECT");
            error(x, "42601", "syntax error at or near \"FORM\"", "13", "scan.l", "1188", "scanner_yyerror");
            ready(response);
        } else if (kind < 82 && !inTransaction) {
            query(request, "BEGIN");
            expectQuery(x, "BEGIN", "BEGIN");
            inTransaction = true;
            complete(response, "BEGIN");
            ready(response);
        } else {
            extended(x, rng);
        }
    }

    /** {@code Terminate}. */
    @Override
    void goodbye(Bytes out) {
        message(out, 'X', b -> { });
    }

    /** Appends the client's StartupMessage (protocol 3.0) as the JDBC driver sends it. */
    static void startup(Bytes out) {
        int at = out.n;
        Wire.be32(out, 0);
        Wire.be32(out, 196_608);
        String[] params = {"user", "shop", "database", "shop", "client_encoding", "UTF8", "DateStyle", "ISO",
            "TimeZone", "UTC", "extra_float_digits", "2", "application_name", "PostgreSQL JDBC Driver"};
        for (String p : params) {
            Wire.cstring(out, p);
        }
        Wire.u8(out, 0);
        Wire.be32At(out, at, out.n - at);
    }

    /** Appends the server's answer to the startup (trust authentication): AuthenticationOk, parameters, key, ReadyForQuery. */
    static void startupAnswer(Bytes out, long backendPid, Rng rng) {
        message(out, 'R', b -> Wire.be32(b, 0));
        String[][] params = {{"application_name", "PostgreSQL JDBC Driver"}, {"client_encoding", "UTF8"},
            {"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}, {"IntervalStyle", "postgres"}, {"is_superuser", "off"},
            {"server_encoding", "UTF8"}, {"server_version", "15.8 (Debian 15.8-0+deb12u1)"},
            {"session_authorization", "shop"}, {"standard_conforming_strings", "on"}, {"TimeZone", "UTC"}};
        for (String[] p : params) {
            message(out, 'S', b -> {
                Wire.cstring(b, p[0]);
                Wire.cstring(b, p[1]);
            });
        }
        message(out, 'K', b -> {
            Wire.be32(b, backendPid);
            Wire.be32(b, rng.nextLong());
        });
        message(out, 'Z', b -> Wire.u8(b, 'I'));
    }

    /** An extended query as the JDBC driver sends it: Parse, Bind, Describe, Execute, Sync in one write. */
    private void extended(Exchange x, Rng rng) {
        Bytes request = x.request;
        Bytes response = x.response;
        int id = rng.between(1, 900);
        String sql = "SELECT id, name, stock FROM items WHERE id = $1";
        message(request, 'P', b -> {
            Wire.cstring(b, "");
            Wire.cstring(b, sql);
            Wire.be16(b, 1);
            Wire.be32(b, INT4);
        });
        message(request, 'B', b -> {
            Wire.cstring(b, "");
            Wire.cstring(b, "");
            Wire.be16(b, 1);
            Wire.be16(b, 0); // the parameter in text
            Wire.be16(b, 1);
            String value = Integer.toString(id);
            Wire.be32(b, value.length());
            Wire.ascii(b, value);
            Wire.be16(b, 0); // results in text
        });
        message(request, 'D', b -> {
            Wire.u8(b, 'P');
            Wire.cstring(b, "");
        });
        message(request, 'E', b -> {
            Wire.cstring(b, "");
            Wire.be32(b, 0);
        });
        message(request, 'S', b -> { });
        expectQuery(x, sql, "SELECT items");
        message(response, '1', b -> { });
        message(response, '2', b -> { });
        rowDescription(response, TABLE_ITEMS, new String[] {"id", "name", "stock"}, new int[] {INT4, TEXT, INT4});
        boolean found = rng.percent(90);
        if (found) {
            dataRow(response, Integer.toString(id), Payloads.ITEM_NAMES[id % Payloads.ITEM_NAMES.length],
                    Integer.toString(rng.nextInt(400)));
        }
        complete(response, found ? "SELECT 1" : "SELECT 0");
        ready(response);
    }

    private void query(Bytes request, String sql) {
        message(request, 'Q', b -> Wire.cstring(b, sql));
    }

    private static void expectQuery(Exchange x, String sql, String contentKey) {
        x.fromRequest("content_key", contentKey).fromRequest("sql", sql);
    }

    private void error(Exchange x, String state, String text, String position,
            String file, String line, String routine) {
        message(x.response, 'E', b -> {
            field(b, 'S', "ERROR");
            field(b, 'V', "ERROR");
            field(b, 'C', state);
            field(b, 'M', text);
            if (position != null) {
                field(b, 'P', position);
            }
            field(b, 'F', file);
            field(b, 'L', line);
            field(b, 'R', routine);
            Wire.u8(b, 0);
        });
        x.fromResponse("sql_error_code", state);
        x.error = true;
        aborted = inTransaction; // the transaction failed: the application rolls it back next
    }

    private static void field(Bytes b, char type, String value) {
        Wire.u8(b, type);
        Wire.cstring(b, value);
    }

    private static void rowDescription(Bytes response, int table, String[] columns, int[] types) {
        message(response, 'T', b -> {
            Wire.be16(b, columns.length);
            for (int i = 0; i < columns.length; i++) {
                Wire.cstring(b, columns[i]);
                Wire.be32(b, table);
                Wire.be16(b, i + 1);
                Wire.be32(b, types[i]);
                Wire.be16(b, types[i] == INT4 ? 4 : types[i] == INT8 ? 8 : -1);
                Wire.be32(b, -1);
                Wire.be16(b, 0);
            }
        });
    }

    private static void dataRow(Bytes response, String... values) {
        message(response, 'D', b -> {
            Wire.be16(b, values.length);
            for (String v : values) {
                byte[] bytes = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                Wire.be32(b, bytes.length);
                b.add(bytes);
            }
        });
    }

    private static void complete(Bytes response, String tag) {
        message(response, 'C', b -> Wire.cstring(b, tag));
    }

    private void ready(Bytes response) {
        message(response, 'Z', b -> Wire.u8(b, aborted ? 'E' : inTransaction ? 'T' : 'I'));
    }

    private static void message(Bytes out, char type, java.util.function.Consumer<Bytes> body) {
        Wire.u8(out, type);
        int at = out.n;
        Wire.be32(out, 0);
        body.accept(out);
        Wire.be32At(out, at, out.n - at);
    }
}

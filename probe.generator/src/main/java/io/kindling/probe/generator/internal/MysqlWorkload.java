package io.kindling.probe.generator.internal;

/**
 * A shop's application server talking to MySQL (the client/server protocol 4.1): each connection opens with the
 * server's greeting, the client's login and its OK (no request), the client deprecating the EOF packets or not; then
 * text queries ({@code COM_QUERY}) that read, insert, update and delete rows of a few tables, answered by result sets
 * (some larger than the capture keeps of a call) and OK packets; statements that fail (1064 a syntax error, 1146 a
 * table that does not exist, 1062 a duplicate key) answered by ERR packets; a prepared statement
 * ({@code COM_STMT_PREPARE}, then its executions with {@code COM_STMT_EXECUTE} answered by binary result sets) and
 * {@code COM_PING}.
 *
 * <p>The client is PHP-FPM ({@code www-data}, two workers) and the server MariaDB on port 3306; one connection at a
 * time, of a few to a few dozen statements, closed by the client; rarely the server goes away in the middle of a
 * statement (no answer, the connection closes) or refuses a connect.
 *
 * <p>The truth logged for each request is what the statement is: its text with the literals the workload put in
 * replaced by {@code ?}, its operation and table, and the error number the server answered.
 */
final class MysqlWorkload extends SessionWorkload {

    private static final String[] NAMES = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"};
    private static final String[] STATUSES = {"paid", "shipped", "pending"};
    private static final String PREPARED = "SELECT id, name, stock FROM items WHERE id = ?";

    /** The statement id the server gave the prepare of this connection, 0 when none is prepared. */
    private long statementId;
    private long nextStatementId = 1;
    private int executions;
    private long insertId = 1000;
    /** Whether the connection's client deprecated the EOF packets. */
    private boolean deprecateEof;
    /** The server's id of the last connection it accepted. */
    private long connectionId = 30;

    private final Bytes text = new Bytes(1024);

    MysqlWorkload() {
        super(3, 40);
    }

    @Override
    public String protocol() {
        return "mysql";
    }

    @Override
    public Proc server() {
        return new Proc(4200, "mariadbd", "/usr/sbin/mariadbd", "/usr/sbin/mariadbd", new String[] {"--basedir=/usr",
            "--datadir=/var/lib/mysql", "--socket=/run/mysqld/mysqld.sock", "--port=3306"}, "/var/lib/mysql", 0, 3);
    }

    @Override
    public Proc client() {
        return new Proc(4210, "php-fpm8.2", "php-fpm: pool www", "/usr/sbin/php-fpm8.2", new String[0], "/var/www/shop", 33, 2);
    }

    @Override
    public int port() {
        return 3306;
    }

    @Override
    void exchange(Exchange x, Rng rng, boolean first) {
        if (first) {
            statementId = 0;
            executions = 0;
            if (rng.perMille(5)) {
                x.connectFail = true; // the server restarting
                return;
            }
            // the handshake: the server's greeting, the client's login, the server's OK
            greeting(x.opening, ++connectionId, rng);
            x.openingTurn(true);
            deprecateEof = rng.percent(50);
            login(x.opening, deprecateEof, rng);
            x.openingTurn(false);
            loginOk(x.opening);
            x.openingTurn(true);
        }
        x.handlerNs = 1000L * rng.between(30, 900);
        if (statementId != 0) {
            execute(x, rng);
        } else {
            statement(x, rng);
        }
        // a command is one write; a result set may come in several (its packets as the server flushes them)
        int head = x.response.a[4] & 0xff;
        if (head != 0x00 && head != 0xff) {
            x.responseHead = 4 + (x.response.a[0] & 0xff | (x.response.a[1] & 0xff) << 8 | (x.response.a[2] & 0xff) << 16);
        }
        serverGoesAway(x, rng, 3);
    }

    private void statement(Exchange x, Rng rng) {
        Bytes request = x.request;
        Bytes response = x.response;
        int kind = rng.nextInt(100);
        if (kind < 27) {
            int id = rng.between(1, 50_000);
            query(request, text.clear(), "SELECT id, name, email FROM users WHERE id = ", id);
            expectQuery(x, "SELECT id, name, email FROM users WHERE id = ?", "SELECT users");
            String name = NAMES[id % NAMES.length];
            resultSet(response, "users", new String[] {"id", "name", "email"}, new int[] {0x03, 0xfd, 0xfd},
                    new String[][] {{Integer.toString(id), name, name + id + "@example.com"}});
        } else if (kind < 34) {
            // a result set larger than what the capture keeps of a call
            int below = rng.between(5, 20);
            query(request, text.clear(), "SELECT id, name, stock FROM items WHERE stock < ", below);
            expectQuery(x, "SELECT id, name, stock FROM items WHERE stock < ?", "SELECT items");
            String[][] values = new String[rng.between(20, 60)][];
            for (int i = 0; i < values.length; i++) {
                values[i] = new String[] {Integer.toString(100 + i * 7), Payloads.ITEM_NAMES[i % Payloads.ITEM_NAMES.length] + "-" + i,
                    Integer.toString(i % below)};
            }
            resultSet(response, "items", new String[] {"id", "name", "stock"}, new int[] {0x03, 0xfd, 0x03}, values);
        } else if (kind < 45) {
            int user = rng.between(1, 50_000);
            String status = STATUSES[rng.nextInt(STATUSES.length)];
            int limit = 5 + rng.nextInt(3) * 5;
            text.clear();
            Wire.ascii(text, "SELECT id, user_id, total, status FROM orders WHERE user_id = ");
            text.addNum(user);
            Wire.ascii(text, " AND status = '" + status + "' ORDER BY id DESC LIMIT ");
            text.addNum(limit);
            command(request, 0x03, text);
            expectQuery(x, "SELECT id, user_id, total, status FROM orders WHERE user_id = ? AND status = ? ORDER BY id DESC LIMIT ?",
                    "SELECT orders");
            int rows = rng.nextInt(6);
            String[][] values = new String[rows][];
            for (int i = 0; i < rows; i++) {
                values[i] = new String[] {Integer.toString(90_000 - user - i), Integer.toString(user),
                    (10 + i * 7) + "." + (10 + i), status};
            }
            resultSet(response, "orders", new String[] {"id", "user_id", "total", "status"}, new int[] {0x03, 0x03, 0xf6, 0xfd},
                    values);
        } else if (kind < 60) {
            text.clear();
            Wire.ascii(text, "INSERT INTO orders (user_id, item_id, quantity, total) VALUES (");
            text.addNum(rng.between(1, 50_000)).add(',').add(' ').addNum(rng.between(1, 900)).add(',').add(' ')
                    .addNum(rng.between(1, 9)).add(',').add(' ').addNum(rng.between(1, 500)).add('.').addPadded(rng.nextInt(100), 2)
                    .add(')');
            command(request, 0x03, text);
            expectQuery(x, "INSERT INTO orders (user_id, item_id, quantity, total) VALUES (?, ?, ?, ?)", "INSERT orders");
            ok(response, 1, 1, ++insertId);
        } else if (kind < 70) {
            text.clear();
            Wire.ascii(text, "UPDATE items SET stock = stock - ");
            text.addNum(rng.between(1, 9));
            Wire.ascii(text, " WHERE id = ");
            text.addNum(rng.between(1, 900));
            command(request, 0x03, text);
            expectQuery(x, "UPDATE items SET stock = stock - ? WHERE id = ?", "UPDATE items");
            ok(response, 1, rng.percent(90) ? 1 : 0, 0);
        } else if (kind < 75) {
            text.clear();
            Wire.ascii(text, "DELETE FROM sessions WHERE user_id = ");
            text.addNum(rng.between(1, 50_000));
            Wire.ascii(text, " AND expires_at < '2026-12-0" + rng.between(1, 7) + " 00:00:00'");
            command(request, 0x03, text);
            expectQuery(x, "DELETE FROM sessions WHERE user_id = ? AND expires_at < ?", "DELETE sessions");
            ok(response, 1, rng.nextInt(4), 0);
        } else if (kind < 79) {
            query(request, text.clear(), "SELECT * FROM order_archive WHERE id = ", rng.between(1, 90_000));
            expectQuery(x, "SELECT * FROM order_archive WHERE id = ?", "SELECT order_archive");
            error(x, 1146, "42S02", "Table 'shop.order_archive' doesn't exist");
        } else if (kind < 82) {
            query(request, text.clear(), "SELECT name FORM users WHERE id = ", rng.between(1, 50_000));
            // no FROM: the operation is all the content key can tell
            expectQuery(x, "SELECT name FORM users WHERE id = ?", "SELECT");
            error(x, 1064, "42000", "You have an error in your SQL syntax; check the manual that "
                    + "corresponds to your MariaDB server version for the right syntax to use near 'users WHERE id = 1' at line 1");
        } else if (kind < 85) {
            String name = NAMES[rng.nextInt(NAMES.length)];
            text.clear();
            Wire.ascii(text, "INSERT INTO users (name, email) VALUES ('" + name + "', '" + name + "@example.com')");
            command(request, 0x03, text);
            expectQuery(x, "INSERT INTO users (name, email) VALUES (?, ?)", "INSERT users");
            error(x, 1062, "23000", "Duplicate entry '" + name + "@example.com' for key 'email'");
        } else if (kind < 93) {
            text.clear();
            Wire.ascii(text, PREPARED);
            command(request, 0x16, text);
            expectQuery(x, PREPARED, "SELECT items");
            statementId = nextStatementId++;
            executions = 1 + rng.nextInt(3);
            prepareOk(response, statementId);
        } else {
            Wire.le24(request, 1);
            Wire.u8(request, 0);
            Wire.u8(request, 0x0e);
            x.fromRequest("content_key", "PING");
            ok(response, 1, 0, 0);
        }
    }

    /** {@code COM_QUIT}. */
    @Override
    void goodbye(Bytes out) {
        Wire.le24(out, 1);
        Wire.u8(out, 0);
        Wire.u8(out, 0x01);
    }

    /** Appends the server's greeting that opens a connection (protocol 10, MariaDB, native password). */
    static void greeting(Bytes out, long connectionId, Rng rng) {
        packet(out, 0, b -> {
            Wire.u8(b, 10);
            Wire.cstring(b, "5.5.5-10.11.6-MariaDB-0+deb12u1");
            Wire.le32(b, connectionId);
            scramble(b, 8, rng);
            Wire.u8(b, 0);
            Wire.le16(b, 0xf7fe); // capabilities, low half
            Wire.u8(b, 45); // utf8mb4_general_ci
            Wire.le16(b, 0x0002); // autocommit
            Wire.le16(b, 0x81ff); // capabilities, high half
            Wire.u8(b, 21);
            for (int i = 0; i < 6; i++) {
                Wire.u8(b, 0);
            }
            Wire.le32(b, 0x1d); // MariaDB's own capabilities
            scramble(b, 12, rng);
            Wire.u8(b, 0);
            Wire.cstring(b, "mysql_native_password");
        });
    }

    /**
     * Appends the client's answer to the greeting: user {@code shop}, database {@code shop}, a native password's hash;
     * {@code deprecateEof}: the client asks for OK packets in place of the EOFs that end rows (as Connector/J does).
     */
    static void login(Bytes out, boolean deprecateEof, Rng rng) {
        packet(out, 1, b -> {
            // long password, long flag, connect with db, protocol 41, transactions, secure connection, plugin auth
            Wire.le32(b, 0x000aa28d | (deprecateEof ? 0x01000000 : 0));
            Wire.le32(b, 16_777_216);
            Wire.u8(b, 45);
            for (int i = 0; i < 23; i++) {
                Wire.u8(b, 0);
            }
            Wire.cstring(b, "shop");
            Wire.u8(b, 20);
            for (int i = 0; i < 20; i++) {
                Wire.u8(b, rng.nextInt(256));
            }
            Wire.cstring(b, "shop");
            Wire.cstring(b, "mysql_native_password");
        });
    }

    /** Appends the server's OK to the login (sequence 2). */
    static void loginOk(Bytes out) {
        ok(out, 2, 0, 0);
    }

    private static void scramble(Bytes b, int n, Rng rng) {
        for (int i = 0; i < n; i++) {
            Wire.u8(b, 0x21 + rng.nextInt(94));
        }
    }

    /** An execution of the statement prepared before, answered by a binary result set of one row. */
    private void execute(Exchange x, Rng rng) {
        Bytes request = x.request;
        Bytes response = x.response;
        int id = rng.between(1, 900);
        int start = request.n;
        Wire.le24(request, 0);
        Wire.u8(request, 0);
        Wire.u8(request, 0x17);
        Wire.le32(request, statementId);
        Wire.u8(request, 0); // no cursor
        Wire.le32(request, 1); // iteration count
        Wire.u8(request, 0); // null bitmap of one parameter
        Wire.u8(request, 1); // types follow
        Wire.le16(request, 0x03); // LONG, signed
        Wire.le32(request, id);
        Wire.le24At(request, start, request.n - start - 4);
        expectQuery(x, PREPARED, "SELECT items");

        int seq = 1;
        packet(response, seq++, b -> Wire.u8(b, 3));
        seq = definitions(response, seq, "items", new String[] {"id", "name", "stock"}, new int[] {0x03, 0xfd, 0x03});
        seq = definitionsEnd(response, seq);
        String name = Payloads.ITEM_NAMES[id % Payloads.ITEM_NAMES.length];
        int rowStart = response.n;
        Wire.le24(response, 0);
        Wire.u8(response, seq++);
        Wire.u8(response, 0); // binary row
        Wire.u8(response, 0); // null bitmap: 3 columns + 2 bits
        Wire.le32(response, id);
        lenenc(response, name);
        Wire.le32(response, rng.nextInt(400));
        Wire.le24At(response, rowStart, response.n - rowStart - 4);
        rowsEnd(response, seq);
        if (--executions == 0) {
            statementId = 0;
        }
    }

    private static void query(Bytes request, Bytes text, String head, long literal) {
        Wire.ascii(text, head);
        text.addNum(literal);
        command(request, 0x03, text);
    }

    private static void command(Bytes request, int command, Bytes argument) {
        Wire.le24(request, 1 + argument.n);
        Wire.u8(request, 0);
        Wire.u8(request, command);
        request.add(argument);
    }

    private static void expectQuery(Exchange x, String sql, String contentKey) {
        x.fromRequest("content_key", contentKey).fromRequest("sql", sql);
    }

    private static void ok(Bytes response, int seq, long affected, long insertId) {
        int start = response.n;
        Wire.le24(response, 0);
        Wire.u8(response, seq);
        Wire.u8(response, 0x00);
        lenenc(response, affected);
        lenenc(response, insertId);
        Wire.le16(response, 0x0002); // autocommit
        Wire.le16(response, 0); // warnings
        Wire.le24At(response, start, response.n - start - 4);
    }

    private static void error(Exchange x, int code, String state, String message) {
        Bytes response = x.response;
        int seq = 1;
        int start = response.n;
        Wire.le24(response, 0);
        Wire.u8(response, seq);
        Wire.u8(response, 0xff);
        Wire.le16(response, code);
        Wire.u8(response, '#');
        Wire.ascii(response, state);
        Wire.ascii(response, message);
        Wire.le24At(response, start, response.n - start - 4);
        x.fromResponse("sql_error_code", code);
        x.error = true;
    }

    /** A text result set: column count, definitions, EOF, rows, EOF. */
    private void resultSet(Bytes response, String table, String[] columns, int[] types, String[][] rows) {
        int seq = 1;
        packet(response, seq++, b -> lenenc(b, columns.length));
        seq = definitions(response, seq, table, columns, types);
        seq = definitionsEnd(response, seq);
        for (String[] row : rows) {
            packet(response, seq++, b -> {
                for (String v : row) {
                    lenenc(b, v);
                }
            });
        }
        rowsEnd(response, seq);
    }

    /** The answer to a prepare: its id, one parameter and three columns, each list with its EOF. */
    private void prepareOk(Bytes response, long id) {
        int seq = 1;
        packet(response, seq++, b -> {
            Wire.u8(b, 0x00);
            Wire.le32(b, id);
            Wire.le16(b, 3); // columns
            Wire.le16(b, 1); // parameters
            Wire.u8(b, 0);
            Wire.le16(b, 0); // warnings
        });
        seq = definitions(response, seq, "", new String[] {"?"}, new int[] {0xfd});
        seq = definitionsEnd(response, seq);
        seq = definitions(response, seq, "items", new String[] {"id", "name", "stock"}, new int[] {0x03, 0xfd, 0x03});
        definitionsEnd(response, seq);
    }

    private static int definitions(Bytes response, int seq, String table, String[] columns, int[] types) {
        for (int i = 0; i < columns.length; i++) {
            String column = columns[i];
            int type = types[i];
            packet(response, seq++, b -> {
                lenenc(b, "def");
                lenenc(b, table.isEmpty() ? "" : "shop");
                lenenc(b, table);
                lenenc(b, table);
                lenenc(b, column);
                lenenc(b, column);
                Wire.u8(b, 0x0c);
                Wire.le16(b, type == 0xfd ? 45 : 63); // utf8mb4, or binary
                Wire.le32(b, type == 0xfd ? 1020 : 11);
                Wire.u8(b, type);
                Wire.le16(b, column.equals("id") ? 0x4203 : 0); // NOT NULL, PRIMARY KEY, AUTO_INCREMENT
                Wire.u8(b, type == 0xf6 ? 2 : 0);
                Wire.le16(b, 0);
            });
        }
        return seq;
    }

    /** The EOF after a list of definitions, unless the client deprecated it. */
    private int definitionsEnd(Bytes response, int seq) {
        if (deprecateEof) {
            return seq;
        }
        packet(response, seq, b -> {
            Wire.u8(b, 0xfe);
            Wire.le16(b, 0);
            Wire.le16(b, 0x0022); // autocommit, no index used
        });
        return seq + 1;
    }

    /** The end of the rows: an EOF, or where the client deprecated it an OK packet with the header 0xfe. */
    private void rowsEnd(Bytes response, int seq) {
        if (!deprecateEof) {
            definitionsEnd(response, seq);
            return;
        }
        packet(response, seq, b -> {
            Wire.u8(b, 0xfe);
            lenenc(b, 0);
            lenenc(b, 0);
            Wire.le16(b, 0x0022);
            Wire.le16(b, 0);
        });
    }

    private static void packet(Bytes out, int seq, java.util.function.Consumer<Bytes> body) {
        int start = out.n;
        Wire.le24(out, 0);
        Wire.u8(out, seq);
        body.accept(out);
        Wire.le24At(out, start, out.n - start - 4);
    }

    private static void lenenc(Bytes b, long v) {
        if (v < 251) {
            Wire.u8(b, (int) v);
        } else {
            Wire.u8(b, 0xfc);
            Wire.le16(b, (int) v);
        }
    }

    private static void lenenc(Bytes b, String s) {
        byte[] v = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        lenenc(b, v.length);
        b.add(v);
    }
}

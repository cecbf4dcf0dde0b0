package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.ContainerRunsLock;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import io.kindling.probe.itests.support.TestServers;
import io.kindling.probe.sink.otlp.OtlpReceiver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestRule;

/**
 * Requests, live, against real servers that the test starts side by side (nginx, redis-server, dnsmasq, MariaDB,
 * PostgreSQL, a Kafka broker, each on a free loopback port with a folder of its own) and drives with real clients
 * (curl, redis-cli, the mariadb and psql clients, MariaDB's JDBC driver with server-side prepared statements, the
 * kafka client, and this JVM's own sockets for a Redis pipeline, Redis inline commands and DNS over UDP). The probe
 * runs {@code live --subscribe net_request}; each server's own log is the oracle: nginx's access log, Redis's
 * MONITOR, dnsmasq's query log, MariaDB's general log, PostgreSQL's statement log, the Kafka broker's request log and
 * the kafka client's own log of the requests it sent and the responses it received. Every request the server logged
 * appears as a server-side {@code net_request} with the same fields, and as a client-side one. The same run feeds the
 * OTLP sink, whose metrics and spans a receiver in this test decodes ({@link LiveRequestsOtlp}).
 */
public class LiveRequestsIT {
    static final String NGINX = "/usr/sbin/nginx";
    static final String REDIS = "/usr/bin/redis-server";
    static final String REDIS_CLI = "/usr/bin/redis-cli";
    static final String DNSMASQ = "/usr/sbin/dnsmasq";
    static final String MARIADBD = "/usr/sbin/mariadbd";
    static final String INSTALL_DB = "/usr/bin/mysql_install_db";
    static final String MARIADB = "/usr/bin/mariadb";
    static final String PG_BIN = "/usr/lib/postgresql/15/bin/";
    static final String PSQL = "/usr/bin/psql";
    static final String CURL = "/usr/bin/curl";
    static final String IP = "/usr/sbin/ip";
    static final String UNSHARE = "/usr/bin/unshare";
    static final String GETENT = "/usr/bin/getent";

    record Ports(int http, int redis, int dns, int mysql, int pgsql) {}

    /** Records the kafka workload produces, and then fetches. */
    static final int KAFKA_RECORDS = 20;

    /** No image is moved or unpacked by another test while this one runs (see {@link ContainerRunsLock}). */
    @Rule
    public final TestRule noContainerImageWorkMeanwhile = ContainerRunsLock.eachTest();

    @Test
    public void requestsOfRealServersMatchTheirOwnLogs() throws Exception {
        LiveEnvironment.requireLive();
        TestServers.require(NGINX, REDIS, REDIS_CLI, DNSMASQ, MARIADBD, INSTALL_DB, MARIADB, PG_BIN + "initdb", PSQL, CURL, IP, UNSHARE,
                GETENT);
        Path work = TestEnvironment.workDir("live/requests");
        Path tmp = Files.createTempDirectory("kindling-requests-");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Ports ports = new Ports(TestServers.freePort(), TestServers.freePort(), TestServers.freePort(), TestServers.freePort(),
                TestServers.freePort());
        Path out = work.resolve("events.jsonl");
        Files.deleteIfExists(out);
        Path capture = work.resolve("capture.scap");
        Files.deleteIfExists(capture);
        Path stderr = work.resolve("stderr");
        Path monitor = tmp.resolve("redis/monitor.log");
        long started = System.nanoTime();
        try (TestServers servers = new TestServers(); OtlpReceiver receiver = new OtlpReceiver()) {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<?>> ready = new ArrayList<>();
            ready.add(pool.submit(() -> nginx(servers, tmp.resolve("nginx"), ports.http)));
            ready.add(pool.submit(() -> redis(servers, tmp.resolve("redis"), ports.redis)));
            ready.add(pool.submit(() -> dnsmasq(servers, tmp.resolve("dns"), ports.dns)));
            ready.add(pool.submit(() -> mariadb(servers, tmp.resolve("mysql"), ports.mysql)));
            ready.add(pool.submit(() -> postgres(servers, tmp.resolve("pgsql"), ports.pgsql)));
            Future<KafkaHost> kafka = pool.submit(() -> KafkaHost.start(tmp.resolve("kafka")));
            long[] jdbc = {-1}; // the JDBC connection's id in MariaDB's general log
            List<String> command = List.of(LiveTcpEventsIT.java(), "-jar", ProbeProcess.probeJar().toString(), "live",
                    "--duration", "300s", "--write", capture.toString(), "--subscribe", "net_request", "--sink", "jsonl:" + out, "--sink",
                    "otlp:" + receiver.endpoint());
            Process probe = new ProcessBuilder(LiveTcpEventsIT.privateShm(command)).redirectOutput(work.resolve("stdout").toFile())
                    .redirectError(stderr.toFile()).start();
            try {
                for (Future<?> f : ready) {
                    f.get(180, TimeUnit.SECONDS);
                }
                servers.onClose(() -> {
                    try {
                        kafka.get().close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                KafkaHost broker = kafka.get(180, TimeUnit.SECONDS);
                pool.shutdown();
                awaitCapture(probe, stderr);
                System.out.println("LIVE REQUESTS servers and capture ready after " + (System.nanoTime() - started) / 1_000_000 + " ms");
                Process monitoring = servers.start(monitor, List.of(REDIS_CLI, "-p", Integer.toString(ports.redis), "monitor"));
                Thread.sleep(500);
                httpWorkload(ports.http);
                redisWorkload(ports.redis);
                dnsWorkload(ports.dns);
                glibcResolverWorkload(tmp.resolve("glibc-dns"));
                String mysqlOut = mysqlWorkload(ports.mysql);
                jdbc[0] = mysqlPreparedWorkload(ports.mysql);
                String pgOut = pgsqlWorkload(ports.pgsql);
                String kafkaOut = broker.run(KAFKA_RECORDS);
                assertEquals("done produced " + KAFKA_RECORDS + " fetched " + KAFKA_RECORDS, kafkaOut);
                System.out.println("LIVE REQUESTS client errors: mariadb said " + mysqlOut.trim() + "; psql said " + pgOut.trim());
                Thread.sleep(2500); // what the probe read reaches the sink
                monitoring.destroy();
                new ProcessBuilder("kill", "-INT", Long.toString(probe.pid())).start().waitFor();
                if (!probe.waitFor(60, TimeUnit.SECONDS)) {
                    fail("the live probe did not end on SIGINT:\n" + Files.readString(stderr));
                }
            } finally {
                probe.destroyForcibly();
                pool.shutdownNow();
            }
            kafka.get().close(); // its logs complete
            String summary = Files.readString(stderr);
            System.out.println("LIVE REQUESTS probe summary:\n" + summary);
            List<Map<String, Object>> events = new ArrayList<>();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                Map<String, Object> e = Json.object(line);
                assertEquals("net_request", e.get("name"));
                assertEquals("net", e.get("category"));
                events.add(e);
            }
            checkHttp(events, tmp.resolve("nginx/access.log"), ports.http);
            checkRedis(events, monitor, ports.redis);
            checkDns(events, tmp.resolve("dns/log"), ports.dns);
            checkGlibcResolver(events, tmp.resolve("glibc-dns/log"));
            long self = ProcessHandle.current().pid();
            long jdbcConnection = jdbc[0];
            java.util.Set<Long> jdbcPorts = new java.util.HashSet<>();
            for (Map<String, Object> e : select(events, "mysql", ports.mysql, false, e -> pid(e) == self)) {
                jdbcPorts.add(sport(e));
            }
            List<String[]> general = generalLog(tmp.resolve("mysql/general.log"));
            checkSql(events, "mysql", ports.mysql, e -> comm(e).equals("mariadbd") && !jdbcPorts.contains(sport(e)),
                    e -> comm(e).equals("mariadb"), statements(general, id -> id != jdbcConnection, "Query"), "1146", 1);
            List<String> prepared = statements(general, id -> id == jdbcConnection, "Query", "Prepare", "Execute");
            checkSql(events, "mysql", ports.mysql, e -> comm(e).equals("mariadbd") && jdbcPorts.contains(sport(e)),
                    e -> pid(e) == self, prepared, null, 0);
            checkPreparedStatements(events, ports.mysql, e -> comm(e).equals("mariadbd") && jdbcPorts.contains(sport(e)),
                    e -> pid(e) == self, general, jdbcConnection);
            checkSql(events, "pgsql", ports.pgsql, e -> comm(e).equals("postgres"), e -> comm(e).equals("psql"),
                    statementLog(tmp.resolve("pgsql/server.log")), "42P01", 1);
            checkCopy(events, ports.pgsql);
            checkKafka(events, kafka.get(), kafka.get().process.pid());
            assertTrue(summary, summary.contains("net_request") || summary.contains("emitted"));
            LiveRequestsOtlp.check(receiver, events, kafka.get().process.pid(), tmp.resolve("nginx/access.log"), ports, monitor, tmp.resolve("dns/log"));
            java.util.Set<Long> serverPorts = java.util.Set.of((long) ports.http, (long) ports.redis, (long) ports.dns,
                    (long) ports.mysql, (long) ports.pgsql, 53L);
            long kafkaPid = kafka.get().process.pid();
            checkReplay(out, capture, work, e -> pid(e) == kafkaPid || serverPorts.contains(sport(e)) || serverPorts.contains((long) dport(e)));
            checkSendmmsgInCapture(capture);
        } finally {
            System.out.println("LIVE REQUESTS took " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }

    // ---- servers

    static Void nginx(TestServers servers, Path dir, int port) throws Exception {
        Files.createDirectories(dir.resolve("html/status"));
        Files.writeString(dir.resolve("html/index.html"), "hello\n");
        byte[] big = new byte[200_000];
        new java.util.Random(1).nextBytes(big);
        Files.write(dir.resolve("html/big.bin"), big);
        String conf = nginxConf(dir, "127.0.0.1:" + port, "$request_method $uri $status $bytes_sent $request_length $request_time",
                "location /status/ { return 503; }");
        Files.writeString(dir.resolve("nginx.conf"), conf);
        Process p = servers.start(dir.resolve("stdout"), List.of(NGINX, "-c", dir + "/nginx.conf", "-p", dir.toString()));
        TestServers.awaitPort(port, p, 30);
        return null;
    }

    /** A configuration of nginx in the foreground with its files in {@code dir}, one server, an access log of {@code logFormat}. */
    static String nginxConf(Path dir, String listen, String logFormat, String locations) {
        return "worker_processes 1;\ndaemon off;\nuser root;\nerror_log " + dir + "/error.log;\npid " + dir + "/nginx.pid;\n"
                + "events { worker_connections 64; }\nhttp {\n"
                + "  log_format oracle '" + logFormat + "';\n"
                + "  access_log " + dir + "/access.log oracle;\n"
                + "  client_body_temp_path " + dir + "/body;\n  proxy_temp_path " + dir + "/proxy;\n"
                + "  fastcgi_temp_path " + dir + "/fastcgi;\n  uwsgi_temp_path " + dir + "/uwsgi;\n  scgi_temp_path " + dir + "/scgi;\n"
                + "  server {\n    listen " + listen + ";\n    root " + dir + "/html;\n    " + locations + "\n  }\n}\n";
    }

    static Void redis(TestServers servers, Path dir, int port) throws Exception {
        Files.createDirectories(dir);
        Process p = servers.start(dir.resolve("stdout"), List.of(REDIS, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "", "--appendonly", "no"));
        TestServers.awaitPort(port, p, 30);
        return null;
    }

    static Void dnsmasq(TestServers servers, Path dir, int port) throws Exception {
        Files.createDirectories(dir);
        servers.start(dir.resolve("stdout"), List.of(DNSMASQ, "--keep-in-foreground", "--port=" + port, "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--address=/example.test/10.0.0.1", "--address=/nx.test/",
                "--log-queries=extra", "--log-facility=" + dir.resolve("log"), "--pid-file=" + dir.resolve("pid")));
        for (int i = 0; i < 100 && !(Files.exists(dir.resolve("log")) && Files.readString(dir.resolve("log")).contains("started")); i++) {
            Thread.sleep(100);
        }
        return null;
    }

    static Void mariadb(TestServers servers, Path dir, int port) throws Exception {
        Files.createDirectories(dir);
        TestServers.run(List.of(INSTALL_DB, "--no-defaults", "--datadir=" + dir.resolve("data"), "--user=root",
                "--auth-root-authentication-method=normal", "--skip-test-db"), 150);
        Process p = servers.start(dir.resolve("stdout"), List.of(MARIADBD, "--no-defaults", "--datadir=" + dir.resolve("data"),
                "--user=root", "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.resolve("sock"),
                "--pid-file=" + dir.resolve("pid"), "--general-log=1", "--general-log-file=" + dir.resolve("general.log"),
                "--skip-log-bin", "--innodb-buffer-pool-size=16M", "--skip-name-resolve"));
        TestServers.awaitPort(port, p, 120);
        return null;
    }

    static Void postgres(TestServers servers, Path dir, int port) throws Exception {
        Files.createDirectories(dir);
        TestServers.run(List.of("chown", "postgres", dir.toString()), 10);
        String data = dir.resolve("data").toString();
        TestServers.run(List.of("runuser", "-u", "postgres", "--", PG_BIN + "initdb", "-D", data, "-U", "postgres", "--auth=trust",
                "-N"), 150);
        Process p = servers.start(dir.resolve("server.log"), List.of("runuser", "-u", "postgres", "--", PG_BIN + "postgres", "-D",
                data, "-p", Integer.toString(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1", "-c",
                "log_statement=all", "-c", "log_error_verbosity=verbose", "-c", "fsync=off", "-c", "shared_buffers=16MB"));
        servers.onClose(() -> {
            try {
                TestServers.runAnyway(List.of("runuser", "-u", "postgres", "--", PG_BIN + "pg_ctl", "-D", data, "-m", "fast",
                        "-w", "stop"), 60);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        TestServers.awaitPort(port, p, 60);
        return null;
    }

    static void awaitCapture(Process probe, Path stderr) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (!probe.isAlive()) {
                fail("the live probe ended:\n" + Files.readString(stderr));
            }
            if (Files.exists(stderr) && Files.readString(stderr).contains("live capture keeps")) {
                Thread.sleep(1500);
                return;
            }
            Thread.sleep(100);
        }
        fail("the live capture did not start:\n" + Files.readString(stderr));
    }

    // ---- workloads

    static void httpWorkload(int port) throws Exception {
        String base = "http://127.0.0.1:" + port;
        for (String path : List.of("/index.html", "/nope/123", "/big.bin", "/status/x", "/index.html?user=42")) {
            TestServers.run(List.of(CURL, "-s", "-o", "/dev/null", base + path), 30);
        }
        TestServers.run(List.of(CURL, "-s", "-o", "/dev/null", "-X", "POST", "-d", "abc=1", base + "/index.html"), 30);
        TestServers.run(List.of(CURL, "-s", "-o", "/dev/null", "-I", base + "/index.html"), 30);
        // keep-alive: three requests on one connection
        TestServers.run(List.of(CURL, "-s", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", base + "/index.html",
                base + "/a/b/c", base + "/big.bin"), 30);
    }

    static void redisWorkload(int port) throws Exception {
        String p = Integer.toString(port);
        TestServers.run(List.of(REDIS_CLI, "-p", p, "set", "k1", "v1"), 30);
        TestServers.run(List.of(REDIS_CLI, "-p", p, "get", "k1"), 30);
        TestServers.run(List.of(REDIS_CLI, "-p", p, "incr", "k1"), 30); // an error: not an integer
        TestServers.run(List.of(REDIS_CLI, "-p", p, "lpush", "l", "a", "b", "c"), 30);
        // a pipeline from this JVM: four commands in one write, their replies read after
        try (Socket s = new Socket("127.0.0.1", port)) {
            String pipeline = resp("SET", "a", "1") + resp("INCR", "a") + resp("GET", "a") + resp("HSET", "h", "f", "v");
            OutputStream o = s.getOutputStream();
            o.write(pipeline.getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            String expected = "+OK\r\n:2\r\n$1\r\n2\r\n:1\r\n";
            byte[] got = in.readNBytes(expected.length());
            assertEquals(expected, new String(got, StandardCharsets.US_ASCII));
        }
        // inline commands, as typed into a raw connection: each a line, its reply read before the next
        try (Socket s = new Socket("127.0.0.1", port)) {
            String[][] exchanges = {{"PING\r\n", "+PONG\r\n"}, {"SET inline 5\r\n", "+OK\r\n"}, {"GET inline\r\n", "$1\r\n5\r\n"}};
            for (String[] x : exchanges) {
                s.getOutputStream().write(x[0].getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                assertEquals(x[1], new String(s.getInputStream().readNBytes(x[1].length()), StandardCharsets.US_ASCII));
            }
        }
    }

    static String resp(String... args) {
        StringBuilder b = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) {
            b.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return b.toString();
    }

    static final List<String> DNS_NAMES = List.of("a.example.test", "x.nx.test", "b.example.test", "www.example.test");

    static void dnsWorkload(int port) throws Exception {
        int id = 4000;
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            for (String name : DNS_NAMES) {
                ByteBuffer b = ByteBuffer.allocate(512).putShort((short) id++).putShort((short) 0x0100).putShort((short) 1)
                        .putShort((short) 0).putShort((short) 0).putShort((short) 0);
                for (String label : name.split("\\.")) {
                    b.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
                }
                b.put((byte) 0).putShort((short) 1).putShort((short) 1);
                s.send(new DatagramPacket(b.array(), b.position(), InetAddress.getLoopbackAddress(), port));
                DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                s.receive(reply);
            }
        }
    }

    /** Names glibc's resolver looks up: each an A and an AAAA query, sent together with one sendmmsg. */
    static final List<String> GLIBC_NAMES = List.of("c.example.test", "y.nx.test", "d.example.test");

    /**
     * glibc's resolver ({@code getent ahosts}, getaddrinfo) against a dnsmasq on port 53 of a network namespace of its
     * own, whose {@code /etc/resolv.conf} (bind-mounted in a mount namespace of its own) names it: the resolver sends
     * the A and AAAA queries of a name with one {@code sendmmsg} and reads the answers with {@code recvfrom}.
     */
    static void glibcResolverWorkload(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\noptions attempts:1 timeout:5\n");
        StringBuilder lookups = new StringBuilder();
        for (String name : GLIBC_NAMES) {
            lookups.append(GETENT + " ahosts ").append(name).append(" > /dev/null || true; ");
        }
        String script = "set -e; " + IP + " link set lo up; mount --bind " + dir.resolve("resolv.conf") + " /etc/resolv.conf; " + DNSMASQ
                + " --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --address=/example.test/10.0.0.1"
                + " --address=/nx.test/ --log-queries=extra --log-facility=" + dir.resolve("log") + " --pid-file=" + dir.resolve("pid")
                + "; " + lookups + "kill $(cat " + dir.resolve("pid") + ")";
        String said = TestServers.run(List.of(UNSHARE, "--net", "--mount", "sh", "-c", script), 60);
        System.out.println("LIVE REQUESTS glibc resolver workload: " + said.trim());
    }

    static String mysqlWorkload(int port) throws Exception {
        return TestServers.runAnyway(List.of(MARIADB, "--no-defaults", "-h127.0.0.1", "-P" + port, "-uroot", "--skip-ssl", "-e",
                "create database if not exists d; create table d.t (id int, name text); insert into d.t values (1, 'bob'); "
                        + "select name from d.t where id = 1; update d.t set name = 'eve' where id = 1; select * from d.missing"), 60);
    }

    /**
     * Server-side prepared statements through MariaDB's JDBC driver (MySQL's binary protocol): prepares, executions
     * (the first pipelined with its prepare, as the driver does), a cached statement executed again. Returns the
     * connection's id, which names its lines in the general log.
     */
    static long mysqlPreparedWorkload(int port) throws Exception {
        String url = "jdbc:mariadb://127.0.0.1:" + port + "/d?user=root&useServerPrepStmts=true&sslMode=disable";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url)) {
            long id;
            try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery("select connection_id()")) {
                rs.next();
                id = rs.getLong(1);
            }
            try (java.sql.PreparedStatement insert = c.prepareStatement("insert into d.t values (?, ?)")) {
                insert.setInt(1, 2);
                insert.setString(2, "joe");
                assertEquals(1, insert.executeUpdate());
            }
            for (int i = 1; i <= 2; i++) {
                try (java.sql.PreparedStatement select = c.prepareStatement("select name from d.t where id = ?")) {
                    select.setInt(1, i);
                    try (java.sql.ResultSet rs = select.executeQuery()) {
                        assertTrue(rs.next());
                    }
                }
            }
            return id;
        }
    }

    static String pgsqlWorkload(int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PSQL, "-q", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                "-c", "create table t (id int, name text)", "-c", "insert into t values (1, 'alice')",
                "-c", "select name from t where id = 1", "-c", "select * from missing");
        pb.environment().put("PGSSLMODE", "disable");
        Process p = pb.redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        // COPY FROM STDIN: the rows go from psql's input to the server after the server asks for them
        ProcessBuilder copy = new ProcessBuilder(PSQL, "-q", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                "-c", "COPY t FROM STDIN");
        copy.environment().put("PGSSLMODE", "disable");
        Process c = copy.redirectErrorStream(true).start();
        c.getOutputStream().write(COPY_ROWS.getBytes(StandardCharsets.UTF_8));
        c.getOutputStream().close();
        text += new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("psql COPY ended", c.waitFor(60, TimeUnit.SECONDS));
        assertEquals(text, 0, c.exitValue());
        return text;
    }

    static final String COPY_ROWS = "2\tbob\n3\tcarol\n4\tdave\n";

    // ---- oracles and checks

    @SuppressWarnings("unchecked")
    static Map<String, Object> attrs(Map<String, Object> e) {
        return (Map<String, Object>) e.get("attributes");
    }

    @SuppressWarnings("unchecked")
    static int dport(Map<String, Object> e) {
        Map<String, Object> fd = (Map<String, Object>) e.get("fd");
        return fd == null || fd.get("dport") == null ? -1 : ((Number) fd.get("dport")).intValue();
    }

    @SuppressWarnings("unchecked")
    static String comm(Map<String, Object> e) {
        return (String) ((Map<String, Object>) e.get("thread")).get("comm");
    }

    @SuppressWarnings("unchecked")
    static long pid(Map<String, Object> e) {
        return ((Number) ((Map<String, Object>) e.get("thread")).get("pid")).longValue();
    }

    @SuppressWarnings("unchecked")
    static long sport(Map<String, Object> e) {
        Map<String, Object> fd = (Map<String, Object>) e.get("fd");
        return fd == null || fd.get("sport") == null ? -1 : ((Number) fd.get("sport")).longValue();
    }

    static List<Map<String, Object>> select(List<Map<String, Object>> events, String protocol, int port, boolean server,
            Predicate<Map<String, Object>> more) {
        List<Map<String, Object>> l = new ArrayList<>();
        for (Map<String, Object> e : events) {
            Map<String, Object> a = attrs(e);
            if (protocol.equals(a.get("protocol")) && dport(e) == port && Boolean.valueOf(server).equals(a.get("is_server")) && more.test(e)) {
                l.add(e);
            }
        }
        return l;
    }

    static long num(Map<String, Object> e, String key) {
        return ((Number) attrs(e).get(key)).longValue();
    }

    static void checkHttp(List<Map<String, Object>> events, Path accessLog, int port) throws Exception {
        List<String> logged = new ArrayList<>();
        List<String> loggedNoLength = new ArrayList<>();
        for (String line : Files.readAllLines(accessLog)) {
            String[] f = line.split(" ");
            // nginx answers the POST to a static file with 405 without reading its body, and leaves the 5 bytes
            // of the body that came with the head out of $request_length; the probe counts what the server read
            long length = Long.parseLong(f[4]) + (f[0].equals("POST") && f[2].equals("405") ? "abc=1".length() : 0);
            logged.add(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " " + length);
            loggedNoLength.add(f[0] + " " + f[1] + " " + f[2] + " " + f[3]);
        }
        List<String> server = new ArrayList<>();
        for (Map<String, Object> e : select(events, "http", port, true, e -> comm(e).startsWith("nginx"))) {
            server.add(attrs(e).get("http_method") + " " + attrs(e).get("http_url") + " " + num(e, "http_status_code") + " "
                    + num(e, "response_io") + " " + num(e, "request_io"));
        }
        List<String> client = new ArrayList<>();
        for (Map<String, Object> e : select(events, "http", port, false, e -> comm(e).equals("curl"))) {
            client.add(attrs(e).get("http_method") + " " + attrs(e).get("http_url") + " " + num(e, "http_status_code") + " "
                    + num(e, "response_io"));
            assertEquals(num(e, "http_status_code") >= 400, attrs(e).get("is_error"));
        }
        report("http", logged.size(), server.size(), client.size());
        assertEquals("nginx's access log (method, path, status, bytes sent, request length) vs the server side", sorted(logged), sorted(server));
        assertEquals("nginx's access log vs the client side (curl)", sorted(loggedNoLength), sorted(client));
        assertTrue(logged.size() >= 10);
    }

    static void checkRedis(List<Map<String, Object>> events, Path monitor, int port) throws Exception {
        List<String> logged = new ArrayList<>();
        Pattern p = Pattern.compile("^\\d+\\.\\d+ \\[\\d+ [^\\]]+\\] \"([^\"]+)\"");
        for (String line : Files.readAllLines(monitor)) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                logged.add(m.group(1).toUpperCase(Locale.ROOT));
            }
        }
        List<String> server = new ArrayList<>();
        String incrError = null;
        for (Map<String, Object> e : select(events, "redis", port, true, e -> true)) {
            String cmd = (String) attrs(e).get("redis_command");
            if (!cmd.equals("MONITOR")) {
                server.add(cmd);
            }
            if (attrs(e).get("redis_error") != null) {
                incrError = cmd + " " + attrs(e).get("redis_error");
                assertEquals(true, attrs(e).get("is_error"));
            }
        }
        List<String> client = new ArrayList<>();
        for (Map<String, Object> e : select(events, "redis", port, false, e -> true)) {
            String cmd = (String) attrs(e).get("redis_command");
            if (!cmd.equals("MONITOR")) {
                client.add(cmd);
            }
        }
        report("redis", logged.size(), server.size(), client.size());
        assertEquals("Redis MONITOR vs the server side", sorted(logged), sorted(server));
        assertEquals("Redis MONITOR vs the client side", sorted(logged), sorted(client));
        assertEquals("INCR ERR value is not an integer or out of range", incrError);
    }

    static void checkDns(List<Map<String, Object>> events, Path log, int port) throws Exception {
        List<String> logged = new ArrayList<>();
        Map<String, String> answers = new java.util.HashMap<>();
        Pattern q = Pattern.compile("query\\[A\\] (\\S+) from 127\\.0\\.0\\.1");
        Pattern a = Pattern.compile("config (\\S+) is (\\S+)");
        for (String line : Files.readAllLines(log)) {
            Matcher m = q.matcher(line);
            if (m.find()) {
                logged.add(m.group(1));
            }
            Matcher n = a.matcher(line);
            if (n.find()) {
                answers.put(n.group(1), n.group(2));
            }
        }
        for (boolean side : List.of(true, false)) {
            List<String> seen = new ArrayList<>();
            for (Map<String, Object> e : select(events, "dns", port, side, e -> true)) {
                String domain = (String) attrs(e).get("dns_domain");
                seen.add(domain);
                long rcode = num(e, "dns_rcode");
                assertEquals(domain + " " + answers.get(domain), "NXDOMAIN".equals(answers.get(domain)) ? 3L : 0L, rcode);
                assertEquals(rcode != 0, attrs(e).get("is_error"));
            }
            report("dns " + (side ? "server" : "client"), logged.size(), seen.size(), seen.size());
            assertEquals("dnsmasq's query log vs the " + (side ? "server" : "client") + " side", sorted(logged), sorted(seen));
        }
        assertEquals(DNS_NAMES.size(), logged.size());
    }

    /**
     * Every query of glibc's resolver that dnsmasq logged (its name, the client's port and the rcode of dnsmasq's
     * answer) is one server-side and one client-side request with that domain, port and rcode; both sides name each query by the
     * same DNS id, so that the A and AAAA queries of one sendmmsg are two requests each.
     */
    static void checkGlibcResolver(List<Map<String, Object>> events, Path log) throws Exception {
        // dnsmasq numbers each query; its answer's line carries the same number ("config NAME is 10.0.0.1", "is
        // NXDOMAIN", or for the AAAA query of a name it has only an IPv4 address for, "config error is REFUSED")
        Map<String, String> queries = new java.util.HashMap<>();
        Map<String, Long> rcodes = new java.util.HashMap<>();
        Pattern q = Pattern.compile("\\]: (\\d+) 127\\.0\\.0\\.1/(\\d+) query\\[(?:A|AAAA)\\] (\\S+) from 127\\.0\\.0\\.1");
        Pattern a = Pattern.compile("\\]: (\\d+) 127\\.0\\.0\\.1/\\d+ config \\S+ is (\\S+)");
        for (String line : Files.readAllLines(log)) {
            Matcher m = q.matcher(line);
            if (m.find()) {
                queries.put(m.group(1), m.group(3) + " port " + m.group(2));
            }
            Matcher n = a.matcher(line);
            if (n.find()) {
                rcodes.put(n.group(1), switch (n.group(2)) {
                    case "NXDOMAIN" -> 3L;
                    case "REFUSED" -> 5L;
                    default -> 0L;
                });
            }
        }
        List<String> logged = new ArrayList<>();
        queries.forEach((serial, query) -> logged.add(query + " rcode " + rcodes.get(serial)));
        Map<Boolean, List<String>> ids = new java.util.HashMap<>();
        for (boolean side : List.of(true, false)) {
            List<String> seen = new ArrayList<>();
            List<String> named = new ArrayList<>();
            for (Map<String, Object> e : select(events, "dns", 53, side, e -> comm(e).equals(side ? "dnsmasq" : "getent"))) {
                String domain = (String) attrs(e).get("dns_domain");
                long rcode = num(e, "dns_rcode");
                seen.add(domain + " port " + sport(e) + " rcode " + rcode);
                named.add(domain + " id " + num(e, "dns_id"));
                assertEquals(rcode != 0, attrs(e).get("is_error"));
                assertEquals("NoError", attrs(e).get("error_type"));
            }
            report("dns glibc resolver (sendmmsg) " + (side ? "server" : "client"), logged.size(), seen.size(), seen.size());
            assertEquals("dnsmasq's query log (getent's A and AAAA queries) vs the " + (side ? "server" : "client") + " side",
                    sorted(logged), sorted(seen));
            ids.put(side, sorted(named));
        }
        assertEquals("the DNS ids of the server side vs the client side", ids.get(true), ids.get(false));
        assertEquals("an A and an AAAA query a name", 2 * GLIBC_NAMES.size(), logged.size());
    }

    /**
     * The capture the live run wrote ({@code --write}), replayed with the same subscription, gives the requests the live
     * run gave: the same count, and each the same on every field (times included: the capture keeps the events' own).
     */
    static void checkReplay(Path liveOut, Path capture, Path work, Predicate<Map<String, Object>> ours) throws Exception {
        Path replayOut = work.resolve("replay.jsonl");
        Files.deleteIfExists(replayOut);
        String said = TestServers.run(List.of(LiveTcpEventsIT.java(), "-jar", ProbeProcess.probeJar().toString(), "replay",
                capture.toString(), "--subscribe", "net_request", "--sink", "jsonl:" + replayOut), 300);
        // the test's own workloads: a live capture also sees what other tests on the machine do meanwhile
        List<String> live = sorted(ownLines(Files.readAllLines(liveOut, StandardCharsets.UTF_8), ours));
        List<String> replay = sorted(ownLines(Files.readAllLines(replayOut, StandardCharsets.UTF_8), ours));
        List<String> onlyLive = new ArrayList<>(live);
        replay.forEach(onlyLive::remove);
        List<String> onlyReplay = new ArrayList<>(replay);
        live.forEach(onlyReplay::remove);
        System.out.println("LIVE REQUESTS replay of the live run's capture (" + Files.size(capture) + " bytes): live " + live.size()
                + " net_request, replay " + replay.size() + ", only live " + onlyLive.size() + ", only replay " + onlyReplay.size());
        assertEquals("requests of the live run that its replay did not give (replay said: " + said + ")", List.of(), onlyLive);
        assertEquals("requests of the replay that the live run did not give", List.of(), onlyReplay);
        assertTrue(live.size() > 100);
    }

    private static List<String> ownLines(List<String> lines, Predicate<Map<String, Object>> ours) throws IOException {
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            if (ours.test(Json.object(line))) {
                kept.add(line);
            }
        }
        return kept;
    }

    /**
     * The resolver's queries went through sendmmsg: sysdig, reading the run's capture, shows getent's sendmmsg exits,
     * each followed by the sendmsg pairs of its messages.
     */
    static void checkSendmmsgInCapture(Path capture) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/sysdig"))) {
            System.out.println("LIVE REQUESTS no sysdig: the capture's sendmmsg events are not counted");
            return;
        }
        String types = TestServers.run(List.of("/usr/bin/sysdig", "-r", capture.toString(), "-p", "%evt.type",
                "proc.name=getent and evt.dir=< and evt.type in (sendmmsg, sendmsg)"), 120);
        List<String> lines = types.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        long sendmmsg = lines.stream().filter(l -> l.equals("sendmmsg")).count();
        long sendmsg = lines.stream().filter(l -> l.equals("sendmsg")).count();
        System.out.println("LIVE REQUESTS getent's exits in the capture: sendmmsg " + sendmmsg + ", sendmsg " + sendmsg);
        assertEquals("one sendmmsg a name", GLIBC_NAMES.size(), sendmmsg);
        assertEquals("a sendmsg a message of them", 2 * GLIBC_NAMES.size(), sendmsg);
    }

    /** MariaDB's general log: connection id, command and text of each line. */
    static List<String[]> generalLog(Path log) throws Exception {
        List<String[]> l = new ArrayList<>();
        Pattern p = Pattern.compile("\\s(\\d+) (Query|Prepare|Execute|Close stmt)\\t(.*)$");
        for (String line : Files.readAllLines(log)) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                l.add(new String[] {m.group(1), m.group(2), m.group(3)});
            }
        }
        return l;
    }

    /** The texts of the general log's lines of these commands, of the connections {@code ids} accepts. */
    static List<String> statements(List<String[]> general, java.util.function.LongPredicate ids, String... commands) {
        List<String> l = new ArrayList<>();
        for (String[] line : general) {
            if (ids.test(Long.parseLong(line[0])) && List.of(commands).contains(line[1])) {
                l.add(line[2]);
            }
        }
        return l;
    }

    /** PostgreSQL's log with log_statement=all, and the SQLSTATE of each error (log_error_verbosity=verbose). */
    static List<String> statementLog(Path log) throws Exception {
        List<String> l = new ArrayList<>();
        Pattern p = Pattern.compile("LOG:  00000: statement: (.*)$|LOG:  statement: (.*)$");
        for (String line : Files.readAllLines(log)) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                l.add(m.group(1) != null ? m.group(1) : m.group(2));
            }
        }
        return l;
    }

    /** Each logged statement is matched by one request's sql, its literals as {@code ?}; the error as the client was told. */
    static void checkSql(List<Map<String, Object>> events, String protocol, int port, Predicate<Map<String, Object>> serverSide,
            Predicate<Map<String, Object>> clientSide, List<String> logged, String errorCode, int errorsExpected) {
        for (boolean side : List.of(true, false)) {
            List<Map<String, Object>> seen = select(events, protocol, port, side,
                    e -> (side ? serverSide : clientSide).test(e) && attrs(e).get("sql") != null);
            List<String> unmatched = new ArrayList<>(logged);
            List<String> extra = new ArrayList<>();
            int errors = 0;
            for (Map<String, Object> e : seen) {
                String sql = (String) attrs(e).get("sql");
                String regex = "\\Q" + sql.replace("?", "\\E.+?\\Q") + "\\E";
                String hit = unmatched.stream().filter(s -> s.trim().replaceAll("\\s+", " ").matches(regex)).findFirst().orElse(null);
                if (hit == null) {
                    extra.add(sql);
                } else {
                    unmatched.remove(hit);
                }
                if (attrs(e).get("sql_error_code") != null) {
                    errors++;
                    assertEquals(sql, errorCode, String.valueOf(attrs(e).get("sql_error_code")));
                    assertEquals(true, attrs(e).get("is_error"));
                }
            }
            report(protocol + " " + (side ? "server" : "client"), logged.size(), seen.size(), seen.size());
            assertEquals(protocol + " " + (side ? "server" : "client") + ": logged statements the probe did not report", List.of(), unmatched);
            assertEquals(protocol + " " + (side ? "server" : "client") + ": requests the server did not log", List.of(), extra);
            assertEquals(protocol + ": the failing statements", errorsExpected, errors);
        }
    }

    /**
     * The JDBC connection used the binary protocol (the general log has its executions), and every execution the
     * probe saw carries its statement's text (with {@link #checkSql} matching them one to one with the log's lines).
     */
    static void checkPreparedStatements(List<Map<String, Object>> events, int port, Predicate<Map<String, Object>> serverSide,
            Predicate<Map<String, Object>> clientSide, List<String[]> general, long connection) {
        List<String> executed = statements(general, id -> id == connection, "Execute");
        assertEquals("executions in the general log: " + executed, 3, executed.size());
        for (boolean side : List.of(true, false)) {
            List<Map<String, Object>> jdbc = select(events, "mysql", port, side, side ? serverSide : clientSide);
            List<Object> withoutText = jdbc.stream().map(e -> attrs(e).get("content_key")).filter(k -> k.toString().startsWith("STMT_")).toList();
            report("mysql prepared " + (side ? "server" : "client") + " (Execute lines; requests of the connection)", executed.size(),
                    jdbc.size(), jdbc.size());
            assertEquals("executions without their statement's text", List.of(), withoutText);
        }
    }

    /** COPY FROM STDIN: one request on each side, its rows counted in it, answered without error. */
    static void checkCopy(List<Map<String, Object>> events, int port) {
        for (boolean side : List.of(true, false)) {
            List<Map<String, Object>> copies = select(events, "pgsql", port, side, e -> "COPY t FROM STDIN".equals(attrs(e).get("sql")));
            assertEquals("COPY " + (side ? "server" : "client") + " side: " + copies, 1, copies.size());
            Map<String, Object> e = copies.get(0);
            assertEquals("NoError", attrs(e).get("error_type"));
            assertTrue("request_io counts the rows: " + e, num(e, "request_io") > COPY_ROWS.length());
        }
    }

    static void report(String what, int logged, int server, int client) {
        System.out.println("LIVE REQUESTS " + what + ": server logged " + logged + ", probe server side " + server
                + ", probe client side " + client);
    }

    static List<String> sorted(List<String> l) {
        List<String> c = new ArrayList<>(l);
        Collections.sort(c);
        return c;
    }

    // ---- kafka

    /**
     * A Kafka broker with its producer and consumer in a JVM of their own (io.kindling.probe.sink.kafka.RequestsKafkaHost,
     * on this test's class path), its kafka client's log of each request sent and response received in a file.
     */
    static final class KafkaHost implements AutoCloseable {
        final Path dir;
        final Process process;
        final java.io.BufferedReader answers;
        final int port;
        private boolean closed;

        private KafkaHost(Path dir, Process process) throws Exception {
            this.dir = dir;
            this.process = process;
            this.answers = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = answer(180);
            if (!first.startsWith("bootstrap 127.0.0.1:")) {
                throw new IllegalStateException("the kafka host answered '" + first + "': see " + dir);
            }
            this.port = Integer.parseInt(first.substring("bootstrap 127.0.0.1:".length()));
        }

        static KafkaHost start(Path dir) throws Exception {
            Files.createDirectories(dir);
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                    "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient=debug",
                    "-Dorg.slf4j.simpleLogger.logFile=" + dir.resolve("client.log"), "-cp", System.getProperty("java.class.path"),
                    "io.kindling.probe.sink.kafka.RequestsKafkaHost", dir.resolve("broker").toString());
            Process p = new ProcessBuilder(command).redirectError(dir.resolve("host.log").toFile()).start();
            try {
                return new KafkaHost(dir, p);
            } catch (Exception e) {
                p.destroyForcibly();
                throw e;
            }
        }

        String run(int records) throws Exception {
            process.getOutputStream().write(("run " + records + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
            return answer(120);
        }

        private String answer(long seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!answers.ready()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the kafka host did not answer: see " + dir);
                }
                Thread.sleep(20);
            }
            return answers.readLine();
        }

        @Override
        public synchronized void close() throws Exception {
            if (closed) {
                return;
            }
            closed = true;
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    static final Pattern CLIENT_LINE = Pattern.compile("clientId=requests-(?:producer|consumer)[^\\]]*\\] (Sending|Received) (PRODUCE|FETCH) "
            + "(?:request|response).*?apiVersion=(\\d+), clientId=requests-(?:producer|consumer), correlationId=(\\d+)");
    static final Pattern BROKER_LINE = Pattern.compile("Completed request:\\{.*?\"requestHeader\":\\{\"requestApiKey\":(\\d+),"
            + "\"requestApiVersion\":(\\d+),\"correlationId\":(\\d+),\"clientId\":\"requests-(?:producer|consumer)\".*\"totalTimeMs\":([0-9.]+)");

    /**
     * Produce and Fetch requests, as the kafka client logged sending them (and receiving their responses) against the
     * probe's client side; as the broker's request log completed them against its server side; the latency against
     * the broker's own total time.
     */
    static void checkKafka(List<Map<String, Object>> events, KafkaHost kafka, long clients) throws Exception {
        List<String> sent = new ArrayList<>();
        List<String> received = new ArrayList<>();
        for (String line : Files.readAllLines(kafka.dir.resolve("client.log"))) {
            Matcher m = CLIENT_LINE.matcher(line);
            if (m.find()) {
                String request = m.group(2) + " v" + m.group(3) + " #" + m.group(4);
                (m.group(1).equals("Sending") ? sent : received).add(request);
            }
        }
        List<String> completed = new ArrayList<>();
        Map<String, Double> brokerMillis = new java.util.HashMap<>();
        for (String line : Files.readAllLines(kafka.dir.resolve("broker/broker.log"))) {
            Matcher m = BROKER_LINE.matcher(line);
            if (m.find() && (m.group(1).equals("0") || m.group(1).equals("1"))) {
                String request = (m.group(1).equals("0") ? "PRODUCE" : "FETCH") + " v" + m.group(2) + " #" + m.group(3);
                completed.add(request);
                brokerMillis.put(request, Double.parseDouble(m.group(4)));
            }
        }
        Predicate<Map<String, Object>> produceOrFetch = e -> "Produce".equals(attrs(e).get("kafka_api")) || "Fetch".equals(attrs(e).get("kafka_api"));
        List<String> client = new ArrayList<>();
        List<String> clientAnswered = new ArrayList<>();
        for (Map<String, Object> e : select(events, "kafka", kafka.port, false, e -> pid(e) == clients && produceOrFetch.test(e))) {
            String request = kafkaRequest(e);
            client.add(request);
            if ("NoError".equals(attrs(e).get("error_type"))) {
                clientAnswered.add(request);
            }
        }
        List<String> server = new ArrayList<>();
        List<Double> differences = new ArrayList<>();
        for (Map<String, Object> e : select(events, "kafka", kafka.port, true, produceOrFetch)) {
            String request = kafkaRequest(e);
            server.add(request);
            Double millis = brokerMillis.get(request);
            if (millis != null && "NoError".equals(attrs(e).get("error_type"))) {
                differences.add(num(e, "request_total_time") / 1e6 - millis);
            }
            assertEquals(request + " " + attrs(e), 0L, num(e, "kafka_error_code"));
        }
        for (boolean side : List.of(true, false)) {
            for (Map<String, Object> e : select(events, "kafka", kafka.port, side, e -> "Produce".equals(attrs(e).get("kafka_api")))) {
                // Produce 13 names its topic by id: the name comes from the Metadata responses seen before
                assertEquals(kafkaRequest(e), RequestsKafkaHostTopic.NAME, attrs(e).get("kafka_topic"));
                assertEquals(RequestsKafkaHostTopic.NAME, attrs(e).get("content_key"));
            }
        }
        long produces = sent.stream().filter(r -> r.startsWith("PRODUCE")).count();
        report("kafka client (sent; answered)", sent.size(), client.size(), clientAnswered.size());
        report("kafka server (broker's request log)", completed.size(), server.size(), server.size());
        Collections.sort(differences);
        System.out.println("LIVE REQUESTS kafka latency, probe server side minus the broker's totalTimeMs (ms): "
                + (differences.isEmpty() ? "none" : "min " + differences.get(0) + ", median " + differences.get(differences.size() / 2)
                + ", max " + differences.get(differences.size() - 1)) + " over " + differences.size());
        assertEquals("one Produce a record", KAFKA_RECORDS, produces);
        assertEquals("the kafka client's requests sent vs the client side", sorted(sent), sorted(client));
        assertEquals("the kafka client's responses received vs the client side's answered requests", sorted(received), sorted(clientAnswered));
        assertEquals("the broker's request log vs the server side", sorted(completed), sorted(server));
    }

    static String kafkaRequest(Map<String, Object> e) {
        return attrs(e).get("kafka_api").toString().toUpperCase(Locale.ROOT) + " v" + num(e, "kafka_version") + " #" + num(e, "kafka_id");
    }

    /** The topic the kafka workload writes to and reads from. */
    static final class RequestsKafkaHostTopic {
        static final String NAME = io.kindling.probe.sink.kafka.RequestsKafkaHost.TOPIC;
    }
}

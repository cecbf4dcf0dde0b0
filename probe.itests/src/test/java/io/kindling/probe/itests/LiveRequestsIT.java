package io.kindling.probe.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import io.kindling.probe.itests.support.TestServers;
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
import org.junit.Test;

/**
 * Requests, live, against real servers that the test starts side by side (nginx, redis-server, dnsmasq, MariaDB,
 * PostgreSQL, each on a free loopback port with a folder of its own) and drives with real clients (curl, redis-cli,
 * the mariadb and psql clients, and this JVM's own sockets for a Redis pipeline and DNS over UDP). The probe runs
 * {@code live --subscribe net_request}; each server's own log is the oracle: nginx's access log, Redis's MONITOR,
 * dnsmasq's query log, MariaDB's general log, PostgreSQL's statement log. Every request the server logged appears
 * as a server-side {@code net_request} with the same fields, and as a client-side one.
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

    record Ports(int http, int redis, int dns, int mysql, int pgsql) {}

    @Test
    public void requestsOfRealServersMatchTheirOwnLogs() throws Exception {
        LiveEnvironment.requireLive();
        TestServers.require(NGINX, REDIS, REDIS_CLI, DNSMASQ, MARIADBD, INSTALL_DB, MARIADB, PG_BIN + "initdb", PSQL, CURL);
        Path work = TestEnvironment.workDir("live/requests");
        Path tmp = Files.createTempDirectory("kindling-requests-");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Ports ports = new Ports(TestServers.freePort(), TestServers.freePort(), TestServers.freePort(), TestServers.freePort(),
                TestServers.freePort());
        Path out = work.resolve("events.jsonl");
        Files.deleteIfExists(out);
        Path stderr = work.resolve("stderr");
        Path monitor = tmp.resolve("redis/monitor.log");
        long started = System.nanoTime();
        try (TestServers servers = new TestServers()) {
            ExecutorService pool = Executors.newFixedThreadPool(5);
            List<Future<?>> ready = new ArrayList<>();
            ready.add(pool.submit(() -> nginx(servers, tmp.resolve("nginx"), ports.http)));
            ready.add(pool.submit(() -> redis(servers, tmp.resolve("redis"), ports.redis)));
            ready.add(pool.submit(() -> dnsmasq(servers, tmp.resolve("dns"), ports.dns)));
            ready.add(pool.submit(() -> mariadb(servers, tmp.resolve("mysql"), ports.mysql)));
            ready.add(pool.submit(() -> postgres(servers, tmp.resolve("pgsql"), ports.pgsql)));
            List<String> command = List.of(LiveTcpEventsIT.java(), "-jar", ProbeProcess.probeJar().toString(), "live",
                    "--duration", "300s", "--subscribe", "net_request", "--sink", "jsonl:" + out);
            Process probe = new ProcessBuilder(LiveTcpEventsIT.privateShm(command)).redirectOutput(work.resolve("stdout").toFile())
                    .redirectError(stderr.toFile()).start();
            try {
                for (Future<?> f : ready) {
                    f.get(180, TimeUnit.SECONDS);
                }
                pool.shutdown();
                awaitCapture(probe, stderr);
                System.out.println("LIVE REQUESTS servers and capture ready after " + (System.nanoTime() - started) / 1_000_000 + " ms");
                Process monitoring = servers.start(monitor, List.of(REDIS_CLI, "-p", Integer.toString(ports.redis), "monitor"));
                Thread.sleep(500);
                httpWorkload(ports.http);
                redisWorkload(ports.redis);
                dnsWorkload(ports.dns);
                String mysqlOut = mysqlWorkload(ports.mysql);
                String pgOut = pgsqlWorkload(ports.pgsql);
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
            checkSql(events, "mysql", "mariadbd", "mariadb", ports.mysql, generalLog(tmp.resolve("mysql/general.log")));
            checkSql(events, "pgsql", "postgres", "psql", ports.pgsql, statementLog(tmp.resolve("pgsql/server.log")));
            assertTrue(summary, summary.contains("net_request") || summary.contains("emitted"));
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

    static String mysqlWorkload(int port) throws Exception {
        return TestServers.runAnyway(List.of(MARIADB, "--no-defaults", "-h127.0.0.1", "-P" + port, "-uroot", "--skip-ssl", "-e",
                "create database if not exists d; create table d.t (id int, name text); insert into d.t values (1, 'bob'); "
                        + "select name from d.t where id = 1; update d.t set name = 'eve' where id = 1; select * from d.missing"), 60);
    }

    static String pgsqlWorkload(int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PSQL, "-q", "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                "-c", "create table t (id int, name text)", "-c", "insert into t values (1, 'alice')",
                "-c", "select name from t where id = 1", "-c", "select * from missing");
        pb.environment().put("PGSSLMODE", "disable");
        Process p = pb.redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return text;
    }

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

    /** MariaDB's general log: the statements of its Query lines. */
    static List<String> generalLog(Path log) throws Exception {
        List<String> l = new ArrayList<>();
        Pattern p = Pattern.compile("\\s\\d+ Query\\t(.*)$");
        for (String line : Files.readAllLines(log)) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                l.add(m.group(1));
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
    static void checkSql(List<Map<String, Object>> events, String protocol, String serverComm, String clientComm, int port,
            List<String> logged) {
        for (boolean side : List.of(true, false)) {
            List<Map<String, Object>> seen = select(events, protocol, port, side,
                    e -> comm(e).equals(side ? serverComm : clientComm) && attrs(e).get("sql") != null);
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
                    assertEquals(sql, protocol.equals("mysql") ? "1146" : "42P01", String.valueOf(attrs(e).get("sql_error_code")));
                    assertEquals(true, attrs(e).get("is_error"));
                }
            }
            report(protocol + " " + (side ? "server" : "client"), logged.size(), seen.size(), seen.size());
            assertEquals(protocol + " " + (side ? "server" : "client") + ": logged statements the probe did not report", List.of(), unmatched);
            assertEquals(protocol + " " + (side ? "server" : "client") + ": requests the server did not log", List.of(), extra);
            assertEquals(protocol + ": the one failing statement", 1, errors);
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
}

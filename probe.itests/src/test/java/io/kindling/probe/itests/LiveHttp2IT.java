package io.kindling.probe.itests;

import static io.kindling.probe.itests.LiveRequestsIT.attrs;
import static io.kindling.probe.itests.LiveRequestsIT.comm;
import static io.kindling.probe.itests.LiveRequestsIT.num;
import static io.kindling.probe.itests.LiveRequestsIT.report;
import static io.kindling.probe.itests.LiveRequestsIT.select;
import static io.kindling.probe.itests.LiveRequestsIT.sorted;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.kindling.probe.itests.support.ContainerRunsLock;
import io.kindling.probe.itests.support.GrpcWorkload;
import io.kindling.probe.itests.support.H2cUpgradeServer;
import io.kindling.probe.itests.support.Json;
import io.kindling.probe.itests.support.LiveEnvironment;
import io.kindling.probe.itests.support.ProbeProcess;
import io.kindling.probe.itests.support.TestEnvironment;
import io.kindling.probe.itests.support.TestServers;
import io.kindling.probe.sink.otlp.OtlpReceiver;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestRule;

/**
 * HTTP/2 and gRPC requests, live: nginx with a cleartext HTTP/2 listener driven by {@code curl
 * --http2-prior-knowledge}, {@code nghttp} and {@code h2load} (many requests on one connection, many at once,
 * several statuses, a large response), HTTP/1.1 upgraded to h2c ({@code curl --http2}, {@code nghttp -u}) against
 * Netty's upgrade handler ({@link H2cUpgradeServer}),
 * and a grpc-java server and client in JVMs of their own ({@link GrpcWorkload}: unary calls, a server stream, an
 * error status, a deadline exceeded, {@value GrpcWorkload#CONCURRENT} concurrent calls on one channel, and a channel
 * opened and used before the capture and used again after). nginx's access log and the gRPC programs' own logs are the
 * oracle, both sides. The OTLP sink runs beside the jsonl sink; what it sent is checked by {@link LiveHttp2Otlp}.
 */
public class LiveHttp2IT {
    static final String[] GRPC_CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND"};

    /** No image is moved or unpacked by another test while this one runs (see {@link ContainerRunsLock}). */
    @Rule
    public final TestRule noContainerImageWorkMeanwhile = ContainerRunsLock.eachTest();

    @Test
    public void http2AndGrpcRequestsMatchTheServersAndClientsOwnLogs() throws Exception {
        LiveEnvironment.requireLive();
        TestServers.require(LiveRequestsIT.NGINX, LiveRequestsIT.CURL, NGHTTP, H2LOAD);
        Path work = TestEnvironment.workDir("live/http2");
        Path tmp = Files.createTempDirectory("kindling-http2-");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        int h2c = TestServers.freePort();
        int grpc = TestServers.freePort();
        Path out = work.resolve("events.jsonl");
        Files.deleteIfExists(out);
        Path stderr = work.resolve("stderr");
        long started = System.nanoTime();
        try (TestServers servers = new TestServers(); OtlpReceiver receiver = new OtlpReceiver()) {
            nginx(servers, tmp.resolve("nginx"), h2c);
            String java = LiveTcpEventsIT.java();
            String cp = System.getProperty("java.class.path");
            Process server = servers.start(tmp.resolve("grpc-server.out"), List.of(java, "-Xmx96m", "-XX:TieredStopAtLevel=1", "-cp", cp,
                    GrpcWorkload.class.getName(), "server", Integer.toString(grpc), tmp.resolve("grpc-server.log").toString()));
            TestServers.awaitPort(grpc, server, 60);
            int upgrade = TestServers.freePort();
            Process upgrading = servers.start(tmp.resolve("h2c-upgrade.out"), List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", cp,
                    H2cUpgradeServer.class.getName(), Integer.toString(upgrade), tmp.resolve("h2c-upgrade.log").toString()));
            TestServers.awaitPort(upgrade, upgrading, 60);
            Path clientOut = tmp.resolve("grpc-client.out");
            Process client = new ProcessBuilder(java, "-Xmx96m", "-XX:TieredStopAtLevel=1", "-cp", cp, GrpcWorkload.class.getName(),
                    "client", Integer.toString(grpc), tmp.resolve("grpc-client.log").toString()).redirectErrorStream(true)
                    .redirectOutput(clientOut.toFile()).start();
            servers.onClose(client::destroyForcibly);
            List<String> command = List.of(java, "-jar", ProbeProcess.probeJar().toString(), "live", "--duration", "300s",
                    "--subscribe", "net_request", "--sink", "jsonl:" + out, "--sink", "otlp:" + receiver.endpoint());
            awaitLine(clientOut, "ready", client);
            int serverLoggedBefore = Files.readAllLines(tmp.resolve("grpc-server.log")).size();
            Process probe = new ProcessBuilder(LiveTcpEventsIT.privateShm(command)).redirectOutput(work.resolve("stdout").toFile())
                    .redirectError(stderr.toFile()).start();
            try {
                LiveRequestsIT.awaitCapture(probe, stderr);
                System.out.println("LIVE HTTP2 servers and capture ready after " + (System.nanoTime() - started) / 1_000_000 + " ms");
                try (OutputStream go = client.getOutputStream()) {
                    go.write("go\n".getBytes(StandardCharsets.US_ASCII));
                }
                clientWorkload(h2c);
                upgradeWorkload(upgrade);
                awaitLine(clientOut, "done", client);
                Thread.sleep(2500); // what the probe read reaches the sink
                new ProcessBuilder("kill", "-INT", Long.toString(probe.pid())).start().waitFor();
                if (!probe.waitFor(60, TimeUnit.SECONDS)) {
                    fail("the live probe did not end on SIGINT:\n" + Files.readString(stderr));
                }
            } finally {
                probe.destroyForcibly();
            }
            System.out.println("LIVE HTTP2 gRPC client said:\n" + Files.readString(clientOut));
            String summary = Files.readString(stderr);
            System.out.println("LIVE HTTP2 probe summary:\n" + summary);
            List<Map<String, Object>> events = new ArrayList<>();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                events.add(Json.object(line));
            }
            checkNginx(events, tmp.resolve("nginx/access.log"), h2c);
            checkUpgrade(events, Files.readAllLines(tmp.resolve("h2c-upgrade.log")), upgrade);
            List<String> serverLog = Files.readAllLines(tmp.resolve("grpc-server.log"));
            checkGrpc(events, serverLog.subList(serverLoggedBefore, serverLog.size()), Files.readAllLines(tmp.resolve("grpc-client.log")),
                    grpc);
            LiveHttp2Otlp.check(receiver, events, tmp.resolve("nginx/access.log"), h2c, serverLog.subList(serverLoggedBefore,
                    serverLog.size()), Files.readAllLines(tmp.resolve("grpc-client.log")), grpc);
        } finally {
            System.out.println("LIVE HTTP2 took " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
    }

    static void awaitLine(Path file, String line, Process p) throws Exception {
        for (int i = 0; i < 1200; i++) {
            if (Files.exists(file) && Files.readAllLines(file).contains(line)) {
                return;
            }
            if (!p.isAlive()) {
                fail("the gRPC client ended before '" + line + "':\n" + Files.readString(file));
            }
            Thread.sleep(100);
        }
        fail("no '" + line + "' from the gRPC client:\n" + Files.readString(file));
    }

    static void nginx(TestServers servers, Path dir, int port) throws Exception {
        Files.createDirectories(dir.resolve("html"));
        Files.writeString(dir.resolve("html/index.html"), "hello\n");
        byte[] big = new byte[300_000];
        new java.util.Random(1).nextBytes(big);
        Files.write(dir.resolve("html/big.bin"), big);
        String conf = LiveRequestsIT.nginxConf(dir, "127.0.0.1:" + port + " http2", "$request_method $uri $status $body_bytes_sent $server_protocol",
                "location /status/ { return 503; }\n    location /teapot { return 418; }");
        Files.writeString(dir.resolve("nginx.conf"), conf);
        Process p = servers.start(dir.resolve("stdout"), List.of(LiveRequestsIT.NGINX, "-c", dir + "/nginx.conf", "-p", dir.toString()));
        TestServers.awaitPort(port, p, 30);
    }

    static final String NGHTTP = "/usr/bin/nghttp";
    static final String H2LOAD = "/usr/bin/h2load";

    /** curl, one request a connection; nghttp, six at once on one connection; h2load, 20 on one connection, 10 at a time. */
    static void clientWorkload(int port) throws Exception {
        String base = "http://127.0.0.1:" + port;
        TestServers.run(List.of(LiveRequestsIT.CURL, "--http2-prior-knowledge", "-s", "-o", "/dev/null", base + "/index.html"), 30);
        TestServers.run(List.of(LiveRequestsIT.CURL, "--http2-prior-knowledge", "-s", "-o", "/dev/null", base + "/big.bin"), 30);
        TestServers.run(List.of(NGHTTP, "-n", base + "/index.html", base + "/nope/123", base + "/big.bin", base + "/status/x",
                base + "/index.html?user=42", base + "/teapot"), 30);
        TestServers.run(List.of(H2LOAD, "-n", "20", "-c", "1", "-m", "10", base + "/index.html", base + "/missing/1"), 30);
    }

    /** HTTP/1.1 with {@code Upgrade: h2c}: curl's {@code --http2} twice, {@code nghttp -u} with three requests on one connection. */
    static void upgradeWorkload(int port) throws Exception {
        String base = "http://127.0.0.1:" + port;
        TestServers.run(List.of(LiveRequestsIT.CURL, "--http2", "-s", "-o", "/dev/null", base + "/index.html"), 30);
        TestServers.run(List.of(LiveRequestsIT.CURL, "--http2", "-s", "-o", "/dev/null", base + "/missing/1"), 30);
        TestServers.run(List.of(NGHTTP, "-u", "-n", base + "/first", base + "/second/2", base + "/missing/3"), 30);
    }

    /**
     * The upgraded connections against the server's log (method, path, status), both sides: each request is an HTTP/2
     * call, the upgrading one (stream 1) too, every header seen; no HTTP/1.1 request answered 101 is left.
     */
    static void checkUpgrade(List<Map<String, Object>> events, List<String> logged, int port) {
        assertEquals(logged.toString(), 5, logged.size());
        for (boolean side : List.of(true, false)) {
            List<String> left = new ArrayList<>(logged);
            List<Map<String, Object>> seen = select(events, "http2", port, side,
                    e -> side || List.of("curl", "nghttp").contains(comm(e)));
            for (Map<String, Object> e : seen) {
                String c = attrs(e).get("http_method") + " " + attrs(e).get("http_url") + " " + num(e, "http_status_code");
                assertTrue(c + " is no logged request (left: " + left + ")", left.remove(c));
                assertEquals(c, false, attrs(e).get("http2_headers_unknown"));
            }
            report("h2c upgrade " + (side ? "server" : "client"), logged.size(), seen.size(), seen.size());
            assertEquals("the upgrade server's log (method, path, status) vs the " + (side ? "server" : "client") + " side", List.of(),
                    left);
            assertEquals("no HTTP/1.1 request left of an upgrade", List.of(), select(events, "http", port, side, e -> true));
        }
    }

    static void checkNginx(List<Map<String, Object>> events, Path accessLog, int port) throws Exception {
        List<String> logged = new ArrayList<>();
        for (String line : Files.readAllLines(accessLog)) {
            String[] f = line.split(" ");
            assertEquals(line, "HTTP/2.0", f[4]);
            logged.add(f[0] + " " + f[1] + " " + f[2]);
        }
        for (boolean side : List.of(true, false)) {
            List<String> left = new ArrayList<>(logged);
            List<Map<String, Object>> seen = select(events, "http2", port, side,
                    e -> side ? comm(e).startsWith("nginx") : List.of("curl", "nghttp", "h2load").contains(comm(e)));
            int unanswered = 0;
            for (Map<String, Object> e : seen) {
                String request = attrs(e).get("http_method") + " " + attrs(e).get("http_url");
                if (attrs(e).get("http_status_code") == null) {
                    // its response went by among bytes the capture did not keep (a read of many frames): flagged, and
                    // its request is a logged one
                    assertEquals(request, true, attrs(e).get("http2_headers_unknown"));
                    String hit = left.stream().filter(l -> l.startsWith(request + " ")).findFirst().orElse(null);
                    assertTrue(request + " is no logged request", left.remove(hit));
                    unanswered++;
                    continue;
                }
                String c = request + " " + num(e, "http_status_code");
                assertTrue(c + " is no logged request (left: " + left + ")", left.remove(c));
                assertEquals(num(e, "http_status_code") >= 400, attrs(e).get("is_error"));
                if ("/big.bin".equals(attrs(e).get("http_url"))) {
                    // its frames run past what the capture keeps of each call: counted as far as their headers were seen
                    assertTrue("the large response's bytes: " + num(e, "response_io"), num(e, "response_io") > 8192);
                }
            }
            report("http2 " + (side ? "server" : "client") + " (responses unseen " + unanswered + ")", logged.size(), seen.size(),
                    seen.size());
            assertEquals("nginx's access log (method, path, status) vs the " + (side ? "server" : "client") + " side", List.of(), left);
        }
        assertEquals(28, logged.size());
    }

    /** The probe's calls as the programs log them: method and status name, NO_RESPONSE for a call without response. */
    static String call(Map<String, Object> e) {
        String method = String.valueOf(attrs(e).get("grpc_method"));
        if ("NoResponse".equals(attrs(e).get("error_type"))) {
            return method + " NO_RESPONSE";
        }
        if (attrs(e).get("grpc_status") == null) {
            return method + " ?"; // no gRPC status seen (an http2 call whose content type was not seen)
        }
        int status = (int) num(e, "grpc_status");
        return method + " " + (status >= 0 && status < GRPC_CODES.length ? GRPC_CODES[status] : Integer.toString(status));
    }

    /**
     * One side's calls against a program's log: as many; every call whose headers were all seen is a logged call
     * (method and status); a call flagged {@code http2_headers_unknown} names nothing wrongly (no name, or the right
     * one when only its response was unseen). Returns how many were flagged.
     */
    static int checkCalls(String what, List<Map<String, Object>> seen, List<String> logged) {
        List<String> left = new ArrayList<>(logged);
        int flagged = 0;
        for (Map<String, Object> e : seen) {
            if (Boolean.TRUE.equals(attrs(e).get("http2_headers_unknown"))) {
                flagged++;
                Object url = attrs(e).get("http_url");
                assertTrue(what + ": a flagged call named " + url, List.of("", "/demo.Echo/Say", "/demo.Echo/Count").contains(url));
                continue;
            }
            String c = call(e);
            assertTrue(what + ": " + c + " is no logged call (left: " + left + ")", left.remove(c));
            assertEquals("grpc", attrs(e).get("protocol"));
        }
        report(what + " (flagged " + flagged + ")", logged.size(), seen.size(), seen.size());
        assertEquals(what + ": calls logged vs reported " + seen.stream().map(LiveHttp2IT::call).toList(), logged.size(), seen.size());
        return flagged;
    }

    static void checkGrpc(List<Map<String, Object>> events, List<String> serverLog, List<String> clientLog, int port) {
        Map<Object, List<Map<String, Object>>> client = connections(events, port, false);
        Map<Object, List<Map<String, Object>>> server = connections(events, port, true);
        List<String> loggedNew = new ArrayList<>();
        List<String> loggedOld = new ArrayList<>();
        for (String line : clientLog) {
            String[] f = line.split(" ");
            (f[0].equals("new") ? loggedNew : loggedOld).add(f[1] + " " + (f[2].equals("DEADLINE_EXCEEDED") ? "NO_RESPONSE" : f[2]));
        }
        assertEquals("two connections, client side: " + client.keySet(), 2, client.size());
        assertEquals("two connections, server side: " + server.keySet(), 2, server.size());
        // the old connection (opened before the capture) is the one none of whose calls could be named; the new one,
        // seen from its preface, names its first calls
        Object oldPort = null;
        for (Map.Entry<Object, List<Map<String, Object>>> c : client.entrySet()) {
            if (c.getValue().stream().allMatch(e -> Boolean.TRUE.equals(attrs(e).get("http2_headers_unknown")))) {
                assertTrue("one connection without any named call: " + client.keySet(), oldPort == null);
                oldPort = c.getKey();
            }
        }
        assertTrue("a connection opened before the capture, flagged: " + client.keySet(), oldPort != null);
        List<Map<String, Object>> newClient = null;
        Object newPort = null;
        for (Map.Entry<Object, List<Map<String, Object>>> c : client.entrySet()) {
            if (!c.getKey().equals(oldPort)) {
                newClient = c.getValue();
                newPort = c.getKey();
            }
        }
        int oldFlagged = checkCalls("grpc client, old connection", client.get(oldPort), loggedOld);
        assertEquals("every call on the old connection refers to the table built before the capture", loggedOld.size(), oldFlagged);
        // the new connection, seen from its preface: every call named, the concurrent ones too (their frames share writes)
        assertEquals("calls flagged on the connection opened during the capture, client side", 0,
                checkCalls("grpc client, new connection", newClient, loggedNew));
        assertEquals("calls flagged on the connection opened during the capture, server side", 0,
                server.get(newPort).stream().filter(e -> Boolean.TRUE.equals(attrs(e).get("http2_headers_unknown"))).count());
        // the cases themselves, seen whole on the new connection: an error status, a deadline (the client's reset), a stream
        List<String> calls = newClient.stream().map(LiveHttp2IT::call).toList();
        assertTrue(calls.toString(), calls.contains("Say NOT_FOUND"));
        assertTrue(calls.toString(), calls.contains("Count OK"));
        assertTrue(calls.toString(), newClient.stream().anyMatch(e -> "NoResponse".equals(attrs(e).get("error_type"))
                && Long.valueOf(8).equals(attrs(e).get("http2_reset_code"))));
        // the server side: what the server finished after the capture began, both connections together
        List<String> logged = new ArrayList<>();
        for (String line : serverLog) {
            String[] f = line.split(" ");
            logged.add(f[0] + " " + (f[1].equals("CANCELLED") ? "NO_RESPONSE" : f[1]));
        }
        List<Map<String, Object>> all = new ArrayList<>();
        server.values().forEach(all::addAll);
        checkCalls("grpc server, both connections", all, logged);
    }

    static Map<Object, List<Map<String, Object>>> connections(List<Map<String, Object>> events, int port, boolean server) {
        Map<Object, List<Map<String, Object>>> byConnection = new LinkedHashMap<>();
        for (Map<String, Object> e : events) {
            String protocol = String.valueOf(attrs(e).get("protocol"));
            if ((protocol.equals("grpc") || protocol.equals("http2")) && LiveRequestsIT.dport(e) == port
                    && Boolean.valueOf(server).equals(attrs(e).get("is_server"))) {
                byConnection.computeIfAbsent(sport(e), k -> new ArrayList<>()).add(e);
            }
        }
        return byConnection;
    }

    @SuppressWarnings("unchecked")
    static Object sport(Map<String, Object> e) {
        Map<String, Object> fd = (Map<String, Object>) e.get("fd");
        return fd == null ? null : fd.get("sport");
    }
}

package io.kindling.probe.generator.internal;

import java.nio.charset.StandardCharsets;

/**
 * A Go inventory service ({@code inventory-sync}, two threads) calling nginx on 127.0.0.1:8081 over HTTP/1.1
 * keep-alive connections: GET of products (200, 404), of a script larger than the capture keeps of a call, of a
 * product with {@code If-None-Match} (304, no body), HEAD (a length, no body), POST of an order (201, 500), a
 * chunked event stream (its end is where the next request begins), two or three GETs pipelined now and then, a
 * server that closes without answering and a refused connect rarely.
 */
final class HttpWorkload implements Workload {

    private static final String DATE = "Date: Mon, 14 Mar 2022 12:00:01 GMT\r\n";
    private static final String SERVER = "Server: nginx/1.22.1\r\n";
    private final StringBuilder text = new StringBuilder(8192);
    private long order = 70_000;

    @Override
    public String protocol() {
        return "http";
    }

    @Override
    public Proc server() {
        return new Proc(4500, "nginx", "nginx: worker process", "/usr/sbin/nginx", new String[0], "/", 33, 1);
    }

    @Override
    public Proc client() {
        return new Proc(4510, "inventory-sync", "/usr/local/bin/inventory-sync", "/usr/local/bin/inventory-sync",
                new String[] {"--api", "http://127.0.0.1:8081", "--interval", "5s"}, "/srv/inventory", 1000, 2);
    }

    @Override
    public int port() {
        return 8081;
    }

    @Override
    public int pipeline(Rng rng) {
        return rng.percent(10) ? rng.between(2, 3) : 1;
    }

    @Override
    public int exchangesPerConnection(Rng rng) {
        return rng.between(2, 30);
    }

    @Override
    public void next(Exchange x, Rng rng, int inBatch) {
        x.handlerNs = 1000L * rng.between(80, 2500);
        int r = rng.nextInt(1000);
        if (inBatch > 0 && r >= 500) {
            r = rng.nextInt(500); // only GETs are pipelined
        }
        if (inBatch == 0 && r < 3) {
            x.connectFail = true;
        } else if (r < 380) {
            int id = rng.between(1, 5000);
            get(x, "/api/v1/products/" + id, "?fields=name,stock");
            if (id % 13 == 0) {
                respond(x, 404, "Not Found", "{\"error\":\"no product " + id + "\"}", null);
            } else {
                respond(x, 200, "OK", "{\"id\":" + id + ",\"name\":\"widget " + id + "\",\"stock\":" + rng.nextInt(500) + "}", null);
            }
        } else if (r < 440) {
            get(x, "/static/app.js", "?v=3");
            text.setLength(0);
            int lines = rng.between(80, 200);
            for (int i = 0; i < lines; i++) {
                text.append("function f").append(i).append("(a){return a*").append(i).append(";}\n");
            }
            respond(x, 200, "OK", text.toString(), "Content-Type: application/javascript\r\n");
            x.responseHead = headLength(x.response);
        } else if (r < 500) {
            int id = rng.between(1, 5000);
            x.request.add(Bytes.ascii("GET /api/v1/products/" + id + " HTTP/1.1\r\nHost: 127.0.0.1:8081\r\n"
                    + "User-Agent: Go-http-client/1.1\r\nIf-None-Match: \"p" + id + "\"\r\nAccept-Encoding: gzip\r\n\r\n"));
            expectRequest(x, "GET", "/api/v1/products/" + id);
            x.response.add(Bytes.ascii("HTTP/1.1 304 Not Modified\r\n" + SERVER + DATE + "ETag: \"p" + id
                    + "\"\r\nConnection: keep-alive\r\n\r\n"));
            x.fromResponse("http_status_code", 304);
        } else if (r < 560) {
            x.request.add(Bytes.ascii("HEAD /health HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nUser-Agent: Go-http-client/1.1\r\n\r\n"));
            expectRequest(x, "HEAD", "/health");
            // the length of the body a GET would get, and no body
            x.response.add(Bytes.ascii("HTTP/1.1 200 OK\r\n" + SERVER + DATE + "Content-Type: application/json\r\n"
                    + "Content-Length: 15\r\nConnection: keep-alive\r\n\r\n"));
            x.fromResponse("http_status_code", 200);
        } else if (r < 860) {
            String body = "{\"sku\":\"W-" + rng.between(100, 999) + "\",\"quantity\":" + rng.between(1, 9) + "}";
            x.request.add(Bytes.ascii("POST /api/v1/orders HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nUser-Agent: Go-http-client/1.1\r\n"
                    + "Content-Length: " + body.length() + "\r\nContent-Type: application/json\r\nAccept-Encoding: gzip\r\n\r\n" + body));
            x.requestHead = x.request.n - body.length();
            expectRequest(x, "POST", "/api/v1/orders");
            if (rng.percent(4)) {
                respond(x, 500, "Internal Server Error", "{\"error\":\"database unavailable\"}", null);
            } else {
                respond(x, 201, "Created", "{\"order\":" + ++order + ",\"status\":\"created\"}", "Location: /api/v1/orders/" + order + "\r\n");
            }
        } else if (r < 990) {
            // an event stream of unknown length: it ends where the next request begins
            get(x, "/api/v1/events", "?since=" + rng.between(1000, 9999));
            x.response.add(Bytes.ascii("HTTP/1.1 200 OK\r\n" + SERVER + DATE + "Content-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"));
            x.responseHead = x.response.n;
            int events = rng.between(1, 6);
            for (int i = 0; i < events; i++) {
                String line = "{\"event\":\"stock\",\"id\":" + rng.between(1, 5000) + ",\"delta\":" + (rng.nextInt(21) - 10) + "}\n";
                x.response.add(Bytes.ascii(Integer.toHexString(line.length()) + "\r\n" + line + "\r\n"));
            }
            x.response.add(Bytes.ascii("0\r\n\r\n"));
            x.fromResponse("http_status_code", 200);
            x.endsBatch = true;
        } else {
            get(x, "/api/v1/products/" + rng.between(1, 5000), "");
            x.noResponse = true; // the worker went away
        }
    }

    private void get(Exchange x, String path, String query) {
        x.request.add(Bytes.ascii("GET " + path + query + " HTTP/1.1\r\nHost: 127.0.0.1:8081\r\nUser-Agent: Go-http-client/1.1\r\n"
                + "Accept: application/json\r\nAccept-Encoding: gzip\r\n\r\n"));
        expectRequest(x, "GET", path);
    }

    /** What the probe reports of the request: the path clustered (a segment with a character other than a letter is *), method, path. */
    private static void expectRequest(Exchange x, String method, String path) {
        StringBuilder key = new StringBuilder();
        for (String segment : path.substring(1).split("/", -1)) {
            key.append('/').append(segment.chars().allMatch(Character::isLetter) && !segment.isEmpty() ? segment : "*");
        }
        x.fromRequest("content_key", key.toString()).fromRequest("http_method", method).fromRequest("http_url", path);
    }

    private static void respond(Exchange x, int status, String reason, String body, String headers) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.response.add(Bytes.ascii("HTTP/1.1 " + status + " " + reason + "\r\n" + SERVER + DATE
                + (headers != null ? headers : "Content-Type: application/json\r\n") + "Content-Length: " + b.length
                + "\r\nConnection: keep-alive\r\n\r\n")).add(b);
        x.fromResponse("http_status_code", status);
        x.error = status >= 400;
    }

    private static int headLength(Bytes b) {
        for (int i = 3; i < b.n; i++) {
            if (b.a[i] == '\n' && b.a[i - 1] == '\r' && b.a[i - 2] == '\n' && b.a[i - 3] == '\r') {
                return i + 1;
            }
        }
        return b.n;
    }
}

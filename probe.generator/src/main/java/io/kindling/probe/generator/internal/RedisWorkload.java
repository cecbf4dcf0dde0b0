package io.kindling.probe.generator.internal;

/**
 * A Python job worker ({@code python3 /opt/worker/jobs.py}, two threads) and {@code redis-server} on port 6379,
 * speaking RESP2 as redis-py and Redis 7 write it: GET (a value, a cached page larger than the capture keeps of a
 * call, nil), SET with and without expiry (a page too: a request larger than the capture keeps), QUIT, MGET with nil elements, HGETALL, HSET, LPUSH, INCR, EXPIRE, DEL, PING,
 * BLPOP that times out after 200 ms (a slow request answered with a nil array); errors: INCR of a value that is no
 * number ({@code -ERR}), LPUSH on a string ({@code -WRONGTYPE}), a command the server does not know. The worker
 * pipelines two to five commands now and then; a server that drops the connection without answering and a
 * refused connect happen rarely.
 */
final class RedisWorkload implements Workload {

    private static final String[] USERS = {"1042", "1187", "2203", "3310", "4096", "5120"};
    private static final String[] FIELDS = {"name", "widget", "stock", "12", "price", "4.20", "owner", "deploy"};
    private final StringBuilder page = new StringBuilder();
    private long counter = 1000;
    private long listLength;

    @Override
    public String protocol() {
        return "redis";
    }

    @Override
    public Proc server() {
        return new Proc(4100, "redis-server", "/usr/bin/redis-server 127.0.0.1:6379", "/usr/bin/redis-check-rdb",
                new String[] {"/etc/redis/redis.conf"}, "/var/lib/redis", 0, 1);
    }

    @Override
    public Proc client() {
        return new Proc(4110, "python3", "python3", "/usr/bin/python3.11", new String[] {"/opt/worker/jobs.py",
            "--redis", "redis://127.0.0.1:6379/0"}, "/opt/worker", 1000, 2);
    }

    @Override
    public int port() {
        return 6379;
    }

    @Override
    public int pipeline(Rng rng) {
        return rng.percent(15) ? rng.between(2, 5) : 1;
    }

    @Override
    public int exchangesPerConnection(Rng rng) {
        return rng.between(3, 40);
    }

    @Override
    public void next(Exchange x, Rng rng, int inBatch) {
        x.handlerNs = 1000L * rng.between(8, 60);
        String user = USERS[rng.nextInt(USERS.length)];
        int r = rng.nextInt(1000);
        if (inBatch == 0 && r < 4) {
            x.connectFail = true;
            return;
        }
        if (r < 230) {
            command(x, "GET", "session:" + user);
            if (rng.percent(25)) {
                x.response.add(Bytes.ascii("$-1\r\n"));
            } else {
                bulk(x.response, "{\"user\":" + user + ",\"cart\":" + rng.nextInt(9) + ",\"ts\":" + (1700000000 + rng.nextInt(9999)) + "}");
            }
        } else if (r < 300) {
            // a cached page, larger than what the capture keeps of a call
            command(x, "GET", "page:/catalog/" + rng.nextInt(40));
            String value = page(rng);
            int head = x.response.n;
            bulk(x.response, value);
            x.responseHead = head + 1 + String.valueOf(value.length()).length() + 2;
        } else if (r < 330) {
            // the page cached: a request larger than what the capture keeps of a call
            command(x, "SET", "page:/catalog/" + rng.nextInt(40), page(rng), "EX", "60");
            x.response.add(Bytes.ascii("+OK\r\n"));
        } else if (r < 450) {
            if (rng.percent(50)) {
                command(x, "SET", "session:" + user, "{\"user\":" + user + ",\"cart\":" + rng.nextInt(9) + "}", "EX", "1800");
            } else {
                command(x, "SET", "rate:10.0.2.15:" + rng.nextInt(60), String.valueOf(rng.nextInt(100)));
            }
            x.response.add(Bytes.ascii("+OK\r\n"));
        } else if (r < 520) {
            command(x, "MGET", "user:" + user + ":name", "user:" + user + ":email", "user:" + user + ":phone");
            x.response.add(Bytes.ascii("*3\r\n"));
            bulk(x.response, "user" + user);
            bulk(x.response, "user" + user + "@example.org");
            x.response.add(Bytes.ascii("$-1\r\n"));
        } else if (r < 600) {
            command(x, "HGETALL", "item:" + rng.nextInt(5000));
            if (rng.percent(20)) {
                x.response.add(Bytes.ascii("*0\r\n"));
            } else {
                x.response.add(Bytes.ascii("*" + FIELDS.length + "\r\n"));
                for (String f : FIELDS) {
                    bulk(x.response, f);
                }
            }
        } else if (r < 650) {
            command(x, "HSET", "item:" + rng.nextInt(5000), "stock", String.valueOf(rng.nextInt(500)));
            integer(x, rng.nextInt(2));
        } else if (r < 760) {
            command(x, "LPUSH", "jobs:email", "{\"to\":\"user" + user + "@example.org\",\"template\":\"receipt\"}");
            integer(x, ++listLength);
        } else if (r < 860) {
            command(x, "INCR", "counter:orders");
            integer(x, ++counter);
        } else if (r < 900) {
            if (rng.percent(50)) {
                command(x, "EXPIRE", "session:" + user, "1800");
            } else {
                command(x, "DEL", "session:" + user);
            }
            integer(x, rng.nextInt(2));
        } else if (r < 915) {
            command(x, "PING");
            x.response.add(Bytes.ascii("+PONG\r\n"));
        } else if (r < 930) {
            // redis-cli's way out: the server answers and closes, so does the client
            command(x, "QUIT");
            x.response.add(Bytes.ascii("+OK\r\n"));
            x.close = true;
        } else if (r < 945) {
            // a blocking pop whose timeout runs out: a nil array after 200 ms
            command(x, "BLPOP", "jobs:sms", "0.2");
            x.response.add(Bytes.ascii("*-1\r\n"));
            x.handlerNs = 200_000_000L + 1000L * rng.between(50, 900);
        } else if (r < 965) {
            command(x, "INCR", "session:" + user);
            error(x, "ERR value is not an integer or out of range");
        } else if (r < 985) {
            command(x, "LPUSH", "counter:orders", "x");
            error(x, "WRONGTYPE Operation against a key holding the wrong kind of value");
        } else if (r < 992) {
            command(x, "JSON.GET", "doc:" + user);
            error(x, "ERR unknown command 'JSON.GET', with args beginning with: 'doc:" + user + "' ");
        } else {
            // the server goes away without answering
            command(x, "GET", "session:" + user);
            x.noResponse = true;
            x.handlerNs = 1000L * rng.between(100, 2000);
        }
    }

    /** An HTML table of 40 to 120 rows: 2 to 6 KiB. */
    private String page(Rng rng) {
        page.setLength(0);
        int rows = rng.between(40, 120);
        page.append("<table>");
        for (int i = 0; i < rows; i++) {
            page.append("<tr><td>item ").append(i).append("</td><td>").append(rng.nextInt(500)).append("</td></tr>");
        }
        page.append("</table>");
        return page.toString();
    }

    /** A command as an array of bulk strings; its name is what the probe reports. */
    private static void command(Exchange x, String name, String... args) {
        x.request.add('*').addNum(1 + args.length).add('\r').add('\n');
        bulk(x.request, name);
        x.requestHead = x.request.n;
        for (String a : args) {
            bulk(x.request, a);
        }
        x.fromRequest("content_key", name).fromRequest("redis_command", name);
    }

    private static void bulk(Bytes b, String s) {
        byte[] v = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.add('$').addNum(v.length).add('\r').add('\n').add(v).add('\r').add('\n');
    }

    private static void integer(Exchange x, long v) {
        x.response.add(':').addNum(v).add('\r').add('\n');
    }

    private static void error(Exchange x, String message) {
        x.response.add('-').add(Bytes.ascii(message)).add('\r').add('\n');
        x.error = true;
        x.fromResponse("redis_error", message);
    }
}

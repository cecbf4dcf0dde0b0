package io.kindling.probe.generator.internal;

/**
 * A Python crawler ({@code python3 /opt/crawler/crawl.py}, two threads) resolving names through {@code dnsmasq} on
 * 127.0.0.1:53 over UDP, as glibc asks: an A query, often with its AAAA query sent at once on the same socket (their
 * answers may come in either order; each pairs by its id), on a socket per lookup or one kept for several. Answers:
 * NOERROR with A or AAAA records, a CNAME chain, no record of the type asked; NXDOMAIN with the zone's SOA; SERVFAIL
 * and REFUSED; now and then a query dnsmasq drops, after which the client gives up its socket. Two sockets' queries
 * are in flight at once now and then, sometimes with the same id (ids are random), now and then with the same question
 * too.
 */
final class DnsWorkload implements Workload {

    /** Names and what dnsmasq answers: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED. */
    private static final String[] NAMES = {"api.internal", "db.internal", "cache.internal", "example.org",
        "cdn.example.net", "www.example.com", "nosuchhost.internal", "broken.example.com", "tracker.ads.example"};
    private static final int[] RCODES = {0, 0, 0, 0, 0, 0, 3, 2, 5};
    private static final int[] WEIGHTS = {30, 15, 10, 12, 10, 8, 8, 4, 3};
    private static final int CDN = 4;

    private String domain = NAMES[0];
    private int rcode;
    private int lastId = -1;
    private int domainIndex;

    @Override
    public String protocol() {
        return "dns";
    }

    @Override
    public Proc server() {
        return new Proc(4000, "dnsmasq", "/usr/sbin/dnsmasq", "/usr/sbin/dnsmasq", new String[] {"--keep-in-foreground",
            "--listen-address=127.0.0.1", "--bind-interfaces", "--conf-file=/etc/dnsmasq.d/lab.conf"}, "/", 0, 1);
    }

    @Override
    public Proc client() {
        return new Proc(4010, "python3", "python3", "/usr/bin/python3.11", new String[] {"/opt/crawler/crawl.py",
            "--workers", "2"}, "/opt/crawler", 1000, 2);
    }

    @Override
    public int port() {
        return 53;
    }

    @Override
    public boolean udp() {
        return true;
    }

    @Override
    public boolean reorders() {
        return true;
    }

    @Override
    public int exchangesPerConnection(Rng rng) {
        return rng.percent(50) ? 1 : rng.between(2, 6);
    }

    @Override
    public int pipeline(Rng rng) {
        return rng.percent(60) ? 2 : 1; // A and AAAA at once
    }

    @Override
    public void next(Exchange x, Rng rng, int inBatch) {
        if (inBatch == 0) {
            int r = rng.nextInt(100);
            int i = 0;
            while (r >= WEIGHTS[i]) {
                r -= WEIGHTS[i++];
            }
            domainIndex = i;
            domain = NAMES[i];
            rcode = RCODES[i];
        }
        boolean aaaa = inBatch > 0;
        int type = aaaa ? 28 : 1;
        int id = rng.nextInt(65536);
        if (inBatch == 0 && lastId >= 0 && rng.percent(3)) {
            // ids are random: another socket's query in flight may have the same, and now and then its question
            // too; a server tells their answers apart by the address each is sent to and the question it repeats
            id = lastId;
        } else if (inBatch > 0 && id == lastId) {
            id ^= 1; // the queries in flight on a socket have ids of their own (each pairs by its id)
        }
        lastId = id;
        x.handlerNs = 1000L * rng.between(20, 400);
        x.request.addU16be(id).addU16be(0x0100).addU16be(1).addU16be(0).addU16be(0).addU16be(0);
        name(x.request, domain);
        x.request.addU16be(type).addU16be(1);
        x.fromRequest("content_key", domain).fromRequest("dns_domain", domain).fromRequest("dns_id", id);
        if (rng.percent(2)) {
            x.noResponse = true; // dropped: the client waits its timeout, then gives up its socket
            x.handlerNs = 1_000_000L * rng.between(150, 900);
            return;
        }
        boolean cdn = domain.equals(NAMES[CDN]);
        boolean noData = aaaa && !cdn && !domain.startsWith("www") && rcode == 0; // the internal names have no AAAA
        int answers = rcode != 0 || noData ? 0 : cdn ? 2 : 1 + (domain.equals("www.example.com") ? 1 : 0);
        int authority = rcode == 3 || noData ? 1 : 0;
        Bytes b = x.response;
        b.addU16be(id).addU16be(0x8180 | rcode).addU16be(1).addU16be(answers).addU16be(authority).addU16be(0);
        name(b, domain);
        b.addU16be(type).addU16be(1);
        int ttl = rng.between(30, 3600);
        if (answers > 0 && cdn) {
            b.addU16be(0xc00c).addU16be(5).addU16be(1).addU16be(0).addU16be(ttl);
            int lengthAt = b.n;
            b.addU16be(0);
            int start = b.n;
            label(b, "cdn");
            label(b, "example");
            label(b, "net");
            label(b, "edgekey");
            label(b, "example");
            b.add((char) 0);
            int len = b.n - start;
            b.a[lengthAt] = (byte) (len >>> 8);
            b.a[lengthAt + 1] = (byte) len;
            record(b, 0xc000 | start, type, ttl, aaaa, rng);
        } else {
            for (int i = 0; i < answers; i++) {
                record(b, 0xc00c, type, ttl, aaaa, rng);
            }
        }
        if (authority > 0) {
            // the zone's SOA: "internal" for the lab's names, else the name's own zone
            int zone = domain.endsWith(".internal") ? 12 + domain.indexOf('.') + 1 : 12;
            b.addU16be(0xc000 | zone).addU16be(6).addU16be(1).addU16be(0).addU16be(300);
            int lengthAt = b.n;
            b.addU16be(0);
            int start = b.n;
            label(b, "ns1");
            b.addU16be(0xc000 | zone);
            label(b, "hostmaster");
            b.addU16be(0xc000 | zone);
            b.addU16be(0x7e9).addU16be(0x0a01).addU16be(0).addU16be(3600).addU16be(0).addU16be(900)
                    .addU16be(0x0009).addU16be(0x3a80).addU16be(0).addU16be(300);
            int len = b.n - start;
            b.a[lengthAt] = (byte) (len >>> 8);
            b.a[lengthAt + 1] = (byte) len;
        }
        x.error = rcode != 0;
        x.fromResponse("dns_rcode", rcode);
    }

    private static void record(Bytes b, int name, int type, int ttl, boolean aaaa, Rng rng) {
        b.addU16be(name).addU16be(type).addU16be(1).addU16be(ttl >>> 16).addU16be(ttl & 0xffff);
        if (aaaa) {
            b.addU16be(16).addU16be(0x2001).addU16be(0x0db8).addU16be(0x10).addU16be(rng.nextInt(65536))
                    .addU16be(0).addU16be(0).addU16be(0).addU16be(1 + rng.nextInt(200));
        } else {
            b.addU16be(4).add((char) 10).add((char) 0).add((char) 2).add((char) (10 + rng.nextInt(200)));
        }
    }

    private static void name(Bytes b, String domain) {
        for (String l : domain.split("\\.")) {
            label(b, l);
        }
        b.add((char) 0);
    }

    private static void label(Bytes b, String l) {
        b.add((char) l.length()).add(Bytes.ascii(l));
    }
}

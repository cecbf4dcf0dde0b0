package io.kindling.probe.generator.internal;

/**
 * The request workloads by protocol. Each has its own processes (pids from 4000, 100 apart: dns 4000, redis
 * 4100, mysql 4200, pgsql 4300, kafka 4400, http 4500) and server port.
 */
public final class Workloads {

    /** Every workload, in the order the {@code requests} scenario interleaves them. */
    public static final String[] ALL = {"dns", "redis", "mysql", "pgsql", "kafka"};

    private Workloads() {
    }

    /** What the {@code requests} scenario runs: every workload of {@link #ALL}, and HTTP/1.1 over keep-alive connections. */
    public static String[] requests() {
        String[] all = java.util.Arrays.copyOf(ALL, ALL.length + 1);
        all[ALL.length] = "http";
        return all;
    }

    /** A new workload of this protocol. */
    static Workload create(String protocol) {
        return switch (protocol) {
            case "http" -> new HttpWorkload();
            case "dns" -> new DnsWorkload();
            case "redis" -> new RedisWorkload();
            case "mysql" -> new MysqlWorkload();
            case "pgsql" -> new PgsqlWorkload();
            case "kafka" -> new KafkaWorkload();
            default -> throw new IllegalArgumentException("no request workload for " + protocol);
        };
    }
}

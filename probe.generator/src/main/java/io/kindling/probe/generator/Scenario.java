package io.kindling.probe.generator;

import io.kindling.probe.generator.internal.Workloads;
import java.util.Locale;

/** What a generated capture contains. */
public enum Scenario {

    /**
     * HTTP/1.1 clients and server over loopback TCP, IPv4 and IPv6, with a DNS lookup over UDP before the
     * health probe's requests; the server waits in epoll_wait, hands connections to worker threads through
     * a futex and logs each request to its standard output.
     */
    HTTP(1, 0, 0, 0, false),

    /** openat, fstat, read, write and close on files under /etc, /var/log and /tmp, including failures. */
    FILES(0, 1, 0, 0, false),

    /** Threads of a CPU bound process preempting each other on two CPUs and synchronising with futexes. */
    SCHED(0, 0, 1, 0, true),

    /** HTTP, files and sched interleaved, with a context switch whenever a CPU changes thread. */
    MIXED(55, 25, 20, 0, true),

    /**
     * A Java HTTP server with Kindling's Java agent, with context switches: around each request its
     * worker threads write the agent's markers ({@code kd-txid@}, {@code kd-jf@}, {@code kd-span@},
     * {@code kd-tm@}, and now and then a malformed one) to {@code /dev/null}. Every marker is logged
     * next to the capture, see {@link CaptureGenerator#markerLog(java.nio.file.Path)}.
     * @since 1.1
     */
    JAVA(0, 0, 0, 1, true),

    /**
     * A Python crawler resolving names through {@code dnsmasq} over UDP, as glibc asks (A, often with AAAA at once
     * on the same socket; a socket per lookup or kept for several): NOERROR with records and CNAME chains, no
     * record of the type, NXDOMAIN, SERVFAIL, REFUSED, now and then a dropped query. Every request is logged next
     * to the capture, see {@link CaptureGenerator#requestLog(java.nio.file.Path)}.
     * @since 1.2
     */
    DNS(0, 0, 0, 0, false, "dns"),

    /**
     * A Python job worker and {@code redis-server} on port 6379 speaking RESP over keep-alive connections: GET, SET,
     * MGET, HGETALL, LPUSH, INCR, a BLPOP that times out (slow), nil replies, {@code -ERR} and {@code -WRONGTYPE}
     * errors, pipelined commands, a value larger than the capture keeps of a call, now and then a server that closes
     * without answering and a refused connect. Every request is logged next to the capture, see
     * {@link CaptureGenerator#requestLog(java.nio.file.Path)}.
     * @since 1.2
     */
    REDIS(0, 0, 0, 0, false, "redis"),

    /**
     * PHP-FPM and MariaDB on port 3306 speaking the MySQL protocol: text queries that select, insert, update and
     * delete (result sets, OK packets), errors 1064, 1146 and 1062 (ERR packets), a prepared statement and its
     * executions (binary result sets), pings; now and then a server that goes away without answering and a refused
     * connect. Every request is logged next to the capture, see {@link CaptureGenerator#requestLog(java.nio.file.Path)}.
     * @since 1.2
     */
    MYSQL(0, 0, 0, 0, false, "mysql"),

    /**
     * A Java service and PostgreSQL on port 5432: simple queries (row descriptions, data rows, command tags),
     * transactions, extended queries (Parse, Bind, Describe, Execute, Sync), errors 42P01, 23505 and 42601
     * ({@code ErrorResponse}); now and then a server that goes away without answering. Every request is logged next
     * to the capture, see {@link CaptureGenerator#requestLog(java.nio.file.Path)}.
     * @since 1.2
     */
    PGSQL(0, 0, 0, 0, false, "pgsql"),

    /**
     * A Java service and a Kafka broker on port 9092: ApiVersions and Metadata at each connection's start, then
     * Produce (versions 7 and 9) and Fetch (versions 11, 12 and 16, this one naming its topic by id) with record batches, two or three requests sent
     * before their answers, error codes 3, 6 and 70; now and then a broker that goes away without answering. Every
     * request is logged next to the capture, see {@link CaptureGenerator#requestLog(java.nio.file.Path)}.
     * @since 1.2
     */
    KAFKA(0, 0, 0, 0, false, "kafka"),

    /**
     * Every request workload interleaved with the HTTP scenario's traffic, with context switches; every request is
     * logged, see {@link CaptureGenerator#requestLog(java.nio.file.Path)}.
     * @since 1.2
     */
    REQUESTS(10, 0, 0, 0, true, Workloads.requests());

    final int httpWeight;
    final int fileWeight;
    final int schedWeight;
    final int javaWeight;
    final boolean contextSwitches;
    /** The request workloads (protocols, see the generator's workloads), each with the weight {@link #WORKLOAD_WEIGHT}. */
    final String[] workloads;
    static final int WORKLOAD_WEIGHT = 10;

    Scenario(int httpWeight, int fileWeight, int schedWeight, int javaWeight, boolean contextSwitches, String... workloads) {
        this.httpWeight = httpWeight;
        this.fileWeight = fileWeight;
        this.schedWeight = schedWeight;
        this.javaWeight = javaWeight;
        this.contextSwitches = contextSwitches;
        this.workloads = workloads;
    }

    /** Whether the capture comes with a request log ({@link CaptureGenerator#requestLog(java.nio.file.Path)}). */
    public boolean logsRequests() {
        return workloads.length > 0 || httpWeight > 0;
    }

    /** The name used on the command line: {@code http}, {@code files}, {@code sched}, {@code mixed}, {@code java}, ... */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a command line name (case insensitive). */
    public static Scenario fromName(String name) {
        for (Scenario s : values()) {
            if (s.name().equalsIgnoreCase(name.trim())) {
                return s;
            }
        }
        StringBuilder names = new StringBuilder();
        for (Scenario s : values()) {
            names.append(names.length() == 0 ? "" : ", ").append(s.cliName());
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "' (expected one of " + names + ")");
    }
}

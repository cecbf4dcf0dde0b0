package io.kindling.probe.generator.internal;

/**
 * One protocol's traffic between a client process and a server process of the simulated machine, for
 * {@link RequestActivity}: the workload says which processes it needs and fills each exchange (a request
 * and its response as the real client and server write them, and what the probe must report for it); the
 * activity plays the connections' system calls on both sides and logs every request.
 *
 * <p>Processes and ports of the workloads are distinct (pids 4000 and up, 100 apart per workload; see
 * {@link Workloads}), so that a scenario can hold all of them.
 */
interface Workload {

    /**
     * A process of the workload.
     *
     * @param pid its pid (its threads take the next tids)
     * @param comm its command name
     * @param exe argv[0]
     * @param exepath the resolved executable
     * @param args its arguments
     * @param cwd its working directory
     * @param uid its user (one of the users of {@link World}: 0, 33, 101, 104, 998 or 1000)
     * @param threads its threads, the main thread included (a server's main thread accepts)
     */
    record Proc(int pid, String comm, String exe, String exepath, String[] args, String cwd, int uid, int threads) {
    }

    /** The protocol as {@code net_request} names it: {@code dns}, {@code redis}, {@code mysql}, ... */
    String protocol();

    /** The server process. */
    Proc server();

    /** The client process. */
    Proc client();

    /** The server's port on 127.0.0.1. */
    int port();

    /** UDP (each message one datagram, answered by id) rather than TCP. */
    default boolean udp() {
        return false;
    }

    /** Exchanges on one connection (on one client socket for UDP) before the client closes it. */
    default int exchangesPerConnection(Rng rng) {
        return rng.between(1, 8);
    }

    /**
     * Requests the client sends at once before it reads their responses (pipelining, or for UDP queries in
     * flight together), at least 1. The server answers them in order.
     */
    default int pipeline(Rng rng) {
        return 1;
    }

    /** Whether the client may read the responses of a batch in another order than it sent the requests (UDP). */
    default boolean reorders() {
        return false;
    }

    /** Connections (client sockets) open at once, at least 1. */
    default int connections() {
        return 2;
    }

    /**
     * Fills the next exchange, {@link Exchange#clear() cleared} before: the request and the response bytes,
     * the server's handler time, the flags, and the attributes the probe must report.
     *
     * @param x the exchange to fill
     * @param rng the random source
     * @param inBatch the exchange's place in its batch of pipelined requests (0 for the first)
     */
    void next(Exchange x, Rng rng, int inBatch);
}

package io.kindling.probe.generator.internal;

/**
 * A workload whose connections carry state of their own (prepared statements, transactions, correlation ids): one
 * connection at a time, which the workload opens and ends itself, so that each exchange knows the connection it
 * goes on. Now and then the server goes away before it answers (the connection closes unanswered).
 */
abstract class SessionWorkload implements Workload {

    /** Exchanges left on the connection; 0: the next exchange opens one. */
    private int left;
    private final int minExchanges;
    private final int maxExchanges;

    /** Each connection carries between {@code minExchanges} and {@code maxExchanges} exchanges. */
    SessionWorkload(int minExchanges, int maxExchanges) {
        this.minExchanges = minExchanges;
        this.maxExchanges = maxExchanges;
    }

    /** One connection at a time. */
    @Override
    public final int connections() {
        return 1;
    }

    /** The workload ends its connections itself ({@link Exchange#close}). */
    @Override
    public final int exchangesPerConnection(Rng rng) {
        return Integer.MAX_VALUE;
    }

    /** Whether the connection has begun (its first exchange was filled). */
    final boolean connected() {
        return left > 0;
    }

    /**
     * Fills an exchange of the connection; {@code first}: it opens the connection, whose state starts afresh (the
     * exchange may then be a refused connect instead).
     */
    abstract void exchange(Exchange x, Rng rng, boolean first);

    /** Whether the client may end the connection after this exchange (not inside a transaction). */
    boolean mayEnd() {
        return true;
    }

    @Override
    public final void next(Exchange x, Rng rng, int inBatch) {
        boolean first = left <= 0;
        if (first) {
            left = rng.between(minExchanges, maxExchanges);
        }
        exchange(x, rng, first);
        if (x.connectFail) {
            left = 0; // no connection: the next exchange tries again
            return;
        }
        if (--left <= 0 && mayEnd() || x.noResponse) {
            x.close = true;
            left = 0;
            if (!x.noResponse) {
                goodbye(x.closing);
            }
        }
    }

    /** Appends the message the client sends before it closes a connection; none by default. */
    void goodbye(Bytes out) {
    }

    /** With the given chance, the server goes away before it answers an exchange that succeeded: no response. */
    static void serverGoesAway(Exchange x, Rng rng, int perMille) {
        if (!x.error && rng.perMille(perMille)) {
            x.noResponse = true;
            x.response.clear();
        }
    }
}

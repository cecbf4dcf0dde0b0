package io.kindling.probe.generator.internal;

/**
 * A workload that plans a causally ordered sequence of events across the threads it owns (one
 * transaction at a time) and hands them to the engine one by one. Every thread belongs to exactly one
 * activity, so each thread's enter and exit events always pair up even when activities interleave.
 */
abstract class Activity {

    final EvQueue q = new EvQueue(256);
    /** The last local port a client of this activity was given (see {@link #ephemeralPort()}). */
    int nextPort = 32768;
    final World world;
    final Rng rng;
    final SimClock clock;

    Activity(World world, Rng rng, SimClock clock) {
        this.world = world;
        this.rng = rng;
        this.clock = clock;
    }

    final Ev peek() {
        while (q.isEmpty()) {
            plan();
        }
        return q.peek();
    }

    final void pop() {
        q.pop();
    }

    /** Appends the events of the next transaction to {@link #q}. */
    abstract void plan();

    /**
     * Called with the timestamp of an event just before it is written, for events whose content depends
     * on when earlier events happened (the Java agent's markers carry timestamps).
     */
    void stamped(Ev e, long ts) throws java.io.IOException {
    }

    // ---- helpers shared by activities

    final Ev enter(SimThread t, int type) {
        return q.add(t, type);
    }

    final Ev exit(SimThread t, int type, long res) {
        Ev e = q.add(t, type);
        e.res = res;
        return e;
    }

    final void close(SimThread t, int fd) {
        enter(t, Ppm.CLOSE_E).fd = fd;
        exit(t, Ppm.CLOSE_X, 0);
        t.proc.fdAlloc.release(fd);
    }

    final void fstat(SimThread t, int fd) {
        enter(t, Ppm.FSTAT_E).fd = fd;
        exit(t, Ppm.FSTAT_X, 0);
    }

    final Ev futexEnter(SimThread t, long addr, int op, long val) {
        Ev e = enter(t, Ppm.FUTEX_E);
        e.futexAddr = addr;
        e.futexOp = op;
        e.futexVal = val;
        return e;
    }

    /** A write of a whole answer that takes the server its handler time (50 to 900 us) before the call. */
    final Ev writeAnswer(SimThread t, int fd, Bytes answer) {
        Ev we = enter(t, Ppm.WRITE_E);
        we.fd = fd;
        we.size = answer.n;
        we.delayNs = usec(50, 900);
        Ev wx = exit(t, Ppm.WRITE_X, answer.n);
        wx.data = answer.a;
        wx.dataLen = answer.n;
        return wx;
    }

    /** A read or write; returns its exit (its enter is the event before). */
    final Ev io(SimThread t, int enterType, int fd, int size, byte[] data, int len, long res) {
        Ev e = enter(t, enterType);
        e.fd = fd;
        e.size = size;
        Ev x = exit(t, enterType + 1, res);
        x.data = data;
        x.dataLen = len;
        return x;
    }

    final Ev openat(SimThread t, byte[] path, int pathLen, int flags, int mode, long fd) {
        Ev e = enter(t, Ppm.OPENAT_2_E);
        e.dirfd = Ppm.AT_FDCWD;
        e.path = path;
        e.pathLen = pathLen;
        e.flags = flags;
        e.mode = mode;
        Ev x = exit(t, Ppm.OPENAT_2_X, fd);
        x.fd = fd;
        x.dirfd = Ppm.AT_FDCWD;
        x.path = path;
        x.pathLen = pathLen;
        x.flags = flags;
        x.mode = mode;
        x.dev = fd >= 0 ? 0xfd01 : 0;
        return x;
    }

    final Ev socket(SimThread t, int domain, int type, int proto, int fd) {
        Ev e = enter(t, Ppm.SOCKET_E);
        e.domain = domain;
        e.sockType = type;
        e.proto = proto;
        Ev x = exit(t, Ppm.SOCKET_X, fd);
        x.fd = fd;
        return x;
    }

    final void connect(SimThread t, int fd, Conn c, long res) {
        Ev e = enter(t, Ppm.CONNECT_E);
        e.fd = fd;
        e.conn = c;
        Ev x = exit(t, Ppm.CONNECT_X, res);
        x.conn = c;
    }

    final Ev sendtoEnter(SimThread t, int fd, int size, Conn c) {
        Ev e = enter(t, Ppm.SENDTO_E);
        e.fd = fd;
        e.size = size;
        e.conn = c;
        e.inbound = false;
        return e;
    }

    final Ev recvfromExit(SimThread t, long res, byte[] data, int len, Conn c) {
        Ev x = exit(t, Ppm.RECVFROM_X, res);
        x.data = data;
        x.dataLen = len;
        x.conn = c;
        x.inbound = true;
        return x;
    }

    /** The next local port of a client, a few above the last, as Linux hands them out. */
    final int ephemeralPort() {
        nextPort += 1 + rng.nextInt(3);
        if (nextPort > 60999) {
            nextPort = 32768 + rng.nextInt(64);
        }
        return nextPort;
    }

    final long usec(int lo, int hi) {
        return 1000L * rng.between(lo, hi);
    }
}

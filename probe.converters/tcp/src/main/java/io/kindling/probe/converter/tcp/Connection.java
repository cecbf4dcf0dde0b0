package io.kindling.probe.converter.tcp;

/** What the converter knows of one TCP socket of one process. Event loop thread only. */
final class Connection {
    enum Opened { CONNECT, ACCEPT, UNKNOWN }

    final long pid;
    final long fd;
    final Tuples.Tuple tuple;
    final boolean server;
    final Opened opened;
    /** When the connection was opened (connect's entry, accept's exit); -1 when the capture did not show it. */
    long start = -1;
    /** A non-blocking connect whose outcome is not known yet. */
    boolean pending;
    /** A connect that failed: the socket carries no connection. */
    boolean failed;
    /** The fds of the process that hold the socket (dup copies); the connection ends with the last one. */
    int fds = 1;
    long bytesSent;
    long bytesReceived;
    long reads;
    long writes;

    Connection(long pid, long fd, Tuples.Tuple tuple, boolean server, Opened opened) {
        this.pid = pid;
        this.fd = fd;
        this.tuple = tuple;
        this.server = server;
        this.opened = opened;
    }

    static long key(long pid, long fd) {
        return pid << 32 | fd & 0xffffffffL;
    }
}

package io.kindling.probe.generator.internal;

import java.io.IOException;

/**
 * Writes planned events with the exact parameter lists and types of the driver's event table
 * (driver/event_table.c): PT_FD, PT_ERRNO and PT_PID are 8 byte signed, sizes and flags 4 byte,
 * strings NUL terminated, socket addresses and tuples packed as the driver packs them.
 */
public final class EventEncoder {

    /** Bytes of read/write payload kept per event, like a capture taken with {@code -s 1024}. */
    public static final int SNAPLEN = 1024;

    private EventEncoder() {
    }

    static void write(ScapWriter w, Ev e, int cpu, long ts) throws IOException {
        int type = e.type;
        w.begin(cpu, ts, e.th.tid, type, Ppm.nparams(type));
        if (!io(w, e) && !sockets(w, e) && !others(w, e)) {
            throw new IllegalStateException("no encoder for event type " + type);
        }
        w.end();
    }

    /** The parameters of close, fstat, read, write, openat; false for another type. */
    private static boolean io(ScapWriter w, Ev e) {
        switch (e.type) {
            case Ppm.CLOSE_E, Ppm.FSTAT_E -> w.pI64(e.fd);
            case Ppm.CLOSE_X, Ppm.FSTAT_X, Ppm.FUTEX_X, Ppm.EPOLLWAIT_X -> w.pI64(e.res);
            case Ppm.READ_E, Ppm.WRITE_E, Ppm.RECVFROM_E -> {
                w.pI64(e.fd);
                w.pU32(e.size);
            }
            case Ppm.READ_X, Ppm.WRITE_X, Ppm.SENDTO_X -> {
                w.pI64(e.res);
                data(w, e);
            }
            case Ppm.OPENAT_2_E -> {
                w.pI64(e.dirfd);
                w.pString(e.path, e.pathLen);
                w.pU32(e.flags);
                w.pU32(e.mode);
            }
            case Ppm.OPENAT_2_X -> {
                w.pI64(e.fd);
                w.pI64(e.dirfd);
                w.pString(e.path, e.pathLen);
                w.pU32(e.flags);
                w.pU32(e.mode);
                w.pU32(e.dev);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The parameters of socket, connect, accept, sendto and recvfrom; false for another type. */
    private static boolean sockets(ScapWriter w, Ev e) {
        switch (e.type) {
            case Ppm.RECVFROM_X -> {
                w.pI64(e.res);
                data(w, e);
                tupleIf(w, e, e.res >= 0, e.inbound);
            }
            case Ppm.SENDTO_E -> {
                w.pI64(e.fd);
                w.pU32(e.size);
                tuple(w, e.conn, e.inbound);
            }
            case Ppm.SOCKET_E -> {
                w.pU32(e.domain);
                w.pU32(e.sockType);
                w.pU32(e.proto);
            }
            case Ppm.SOCKET_X -> w.pI64(e.fd);
            case Ppm.CONNECT_E -> {
                w.pI64(e.fd);
                if (e.conn.v6) {
                    w.pSockaddr6(e.conn.remoteIp6, e.conn.remotePort);
                } else {
                    w.pSockaddr4(e.conn.remoteIp, e.conn.remotePort);
                }
            }
            case Ppm.CONNECT_X -> {
                w.pI64(e.res);
                tuple(w, e.conn, false);
            }
            case Ppm.ACCEPT_5_E -> { }
            case Ppm.ACCEPT_5_X -> {
                w.pI64(e.fd);
                tupleIf(w, e, e.fd >= 0, true);
                w.pU8(0); // queuepct
                w.pU32(e.size); // queuelen
                w.pU32(4096); // queuemax (somaxconn)
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The parameters of futex, epoll_wait and the scheduler's switch; false for another type. */
    private static boolean others(ScapWriter w, Ev e) {
        switch (e.type) {
            case Ppm.FUTEX_E -> {
                w.pU64(e.futexAddr);
                w.pU16(e.futexOp);
                w.pU64(e.futexVal);
            }
            case Ppm.EPOLLWAIT_E -> w.pI64(e.size); // maxevents
            case Ppm.SCHEDSWITCH_6_E -> {
                SimThread prev = e.th;
                w.pI64(e.next.tid);
                w.pU64(prev.pfMajor);
                w.pU64(prev.pfMinor);
                w.pU32(prev.proc != null ? prev.proc.vmSizeKb : 0);
                w.pU32(prev.proc != null ? prev.proc.vmRssKb : 0);
                w.pU32(0);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** The connection's tuple when {@code present}, else an empty parameter. */
    private static void tupleIf(ScapWriter w, Ev e, boolean present, boolean inbound) {
        if (present) {
            tuple(w, e.conn, inbound);
        } else {
            w.pEmpty();
        }
    }

    private static void data(ScapWriter w, Ev e) {
        if (e.res <= 0 || e.data == null) {
            w.pEmpty();
        } else {
            int n = (int) Math.min(Math.min(e.res, e.dataLen), SNAPLEN);
            w.pBytes(e.data, e.dataOff, n);
        }
    }

    private static void tuple(ScapWriter w, Conn c, boolean inbound) {
        if (c.v6) {
            if (inbound) {
                w.pTuple6(c.remoteIp6, c.remotePort, c.localIp6, c.localPort);
            } else {
                w.pTuple6(c.localIp6, c.localPort, c.remoteIp6, c.remotePort);
            }
        } else {
            if (inbound) {
                w.pTuple4(c.remoteIp, c.remotePort, c.localIp, c.localPort);
            } else {
                w.pTuple4(c.localIp, c.localPort, c.remoteIp, c.remotePort);
            }
        }
    }
}

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
        switch (type) {
            case Ppm.CLOSE_E:
            case Ppm.FSTAT_E:
                w.pI64(e.fd);
                break;
            case Ppm.CLOSE_X:
            case Ppm.FSTAT_X:
            case Ppm.FUTEX_X:
            case Ppm.EPOLLWAIT_X:
                w.pI64(e.res);
                break;
            case Ppm.READ_E:
            case Ppm.WRITE_E:
            case Ppm.RECVFROM_E:
                w.pI64(e.fd);
                w.pU32(e.size);
                break;
            case Ppm.READ_X:
            case Ppm.WRITE_X:
            case Ppm.SENDTO_X:
                w.pI64(e.res);
                data(w, e);
                break;
            case Ppm.RECVFROM_X:
                w.pI64(e.res);
                data(w, e);
                if (e.res >= 0) {
                    tuple(w, e.conn, e.inbound);
                } else {
                    w.pEmpty();
                }
                break;
            case Ppm.SENDTO_E:
                w.pI64(e.fd);
                w.pU32(e.size);
                tuple(w, e.conn, e.inbound);
                break;
            case Ppm.SOCKET_E:
                w.pU32(e.domain);
                w.pU32(e.sockType);
                w.pU32(e.proto);
                break;
            case Ppm.SOCKET_X:
                w.pI64(e.fd);
                break;
            case Ppm.CONNECT_E:
                w.pI64(e.fd);
                if (e.conn.v6) {
                    w.pSockaddr6(e.conn.remoteIp6, e.conn.remotePort);
                } else {
                    w.pSockaddr4(e.conn.remoteIp, e.conn.remotePort);
                }
                break;
            case Ppm.CONNECT_X:
                w.pI64(e.res);
                tuple(w, e.conn, false);
                break;
            case Ppm.FUTEX_E:
                w.pU64(e.futexAddr);
                w.pU16(e.futexOp);
                w.pU64(e.futexVal);
                break;
            case Ppm.EPOLLWAIT_E:
                w.pI64(e.size); // maxevents
                break;
            case Ppm.SCHEDSWITCH_6_E: {
                SimThread prev = e.th;
                w.pI64(e.next.tid);
                w.pU64(prev.pfMajor);
                w.pU64(prev.pfMinor);
                if (prev.proc != null) {
                    w.pU32(prev.proc.vmSizeKb);
                    w.pU32(prev.proc.vmRssKb);
                } else {
                    w.pU32(0);
                    w.pU32(0);
                }
                w.pU32(0);
                break;
            }
            case Ppm.ACCEPT_5_E:
                break;
            case Ppm.ACCEPT_5_X:
                w.pI64(e.fd);
                if (e.fd >= 0) {
                    tuple(w, e.conn, true);
                } else {
                    w.pEmpty();
                }
                w.pU8(0); // queuepct
                w.pU32(e.size); // queuelen
                w.pU32(4096); // queuemax (somaxconn)
                break;
            case Ppm.OPENAT_2_E:
                w.pI64(e.dirfd);
                w.pString(e.path, e.pathLen);
                w.pU32(e.flags);
                w.pU32(e.mode);
                break;
            case Ppm.OPENAT_2_X:
                w.pI64(e.fd);
                w.pI64(e.dirfd);
                w.pString(e.path, e.pathLen);
                w.pU32(e.flags);
                w.pU32(e.mode);
                w.pU32(e.dev);
                break;
            default:
                throw new IllegalStateException("no encoder for event type " + type);
        }
        w.end();
    }

    private static void data(ScapWriter w, Ev e) {
        if (e.res <= 0 || e.data == null) {
            w.pEmpty();
        } else {
            int n = (int) Math.min(Math.min(e.res, e.dataLen), SNAPLEN);
            w.pBytes(e.data, 0, n);
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

package io.kindling.probe.converter.tcp;

import io.kindling.probe.api.FdType;
import io.kindling.probe.api.L4Protocol;
import io.kindling.probe.api.spi.RawEvent;

/** Reading what the converter needs from a raw event: parameters by name, the fd's protocol and tuple. */
final class RawParams {
    private RawParams() {}

    /** An IPv4 or IPv6 socket that libsinsp knows as TCP. */
    static boolean isTcp(RawEvent raw) {
        return raw.hasFd() && (raw.fdType() == FdType.IPV4_SOCK || raw.fdType() == FdType.IPV6_SOCK)
                && raw.l4Protocol() == L4Protocol.TCP;
    }

    /** An inet socket whose transport libsinsp does not know (see {@link StreamSockets}). */
    static boolean isInetOfUnknownProtocol(RawEvent raw) {
        return raw.hasFd() && (raw.fdType() == FdType.IPV4_SOCK || raw.fdType() == FdType.IPV6_SOCK)
                && raw.l4Protocol() == L4Protocol.UNKNOWN;
    }

    /** The tuple of a connect: its parameter, else what libsinsp knows of the fd. */
    static Tuples.Tuple tuple(RawEvent raw) {
        Tuples.Tuple t = Tuples.parse(bytesParam(raw, "tuple"));
        return t != null ? t : fdTuple(raw);
    }

    /** The tuple libsinsp knows for the event's fd, when it knows one. */
    static Tuples.Tuple fdTuple(RawEvent raw) {
        if (!raw.hasFd()) {
            return null;
        }
        byte[] s = raw.sourceAddress();
        byte[] d = raw.destinationAddress();
        if ((s.length != 4 && s.length != 16) || d.length != s.length || raw.destinationPort() == 0) {
            return null;
        }
        return new Tuples.Tuple(s, raw.sourcePort(), d, raw.destinationPort());
    }

    static long longParam(RawEvent raw, String name, long fallback) {
        return raw.paramLong(name, fallback);
    }

    static byte[] bytesParam(RawEvent raw, String name) {
        return raw.paramBytesOf(name);
    }
}

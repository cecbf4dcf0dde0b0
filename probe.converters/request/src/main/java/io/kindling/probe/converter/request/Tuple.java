package io.kindling.probe.converter.request;

import io.kindling.probe.api.spi.RawEvent;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** A connection's addresses as libsinsp knows them: source (the client) and destination (the server). */
record Tuple(String sip, int sport, String dip, int dport, boolean v6) {

    /** The tuple libsinsp knows for the event's fd, or null. */
    static Tuple of(RawEvent raw) {
        byte[] s = raw.sourceAddress();
        byte[] d = raw.destinationAddress();
        if ((s.length != 4 && s.length != 16) || d.length != s.length) {
            return null;
        }
        return new Tuple(text(s), raw.sourcePort(), text(d), raw.destinationPort(), s.length == 16);
    }

    /**
     * A tuple parameter as the driver packs it (family 2: 4-byte addresses; 10: 16-byte; each with a
     * little-endian port), or null.
     */
    static Tuple parse(byte[] b) {
        if (b == null || b.length < 13) {
            return null;
        }
        int n = b[0] == 2 ? 4 : b[0] == 10 ? 16 : 0;
        if (n == 0 || b.length < 1 + 2 * (n + 2)) {
            return null;
        }
        byte[] s = java.util.Arrays.copyOfRange(b, 1, 1 + n);
        int sport = (b[1 + n] & 0xff) | (b[2 + n] & 0xff) << 8;
        byte[] d = java.util.Arrays.copyOfRange(b, 3 + n, 3 + 2 * n);
        int dport = (b[3 + 2 * n] & 0xff) | (b[4 + 2 * n] & 0xff) << 8;
        return new Tuple(text(s), sport, text(d), dport, n == 16);
    }

    /** Whether the two tuples join the same two ends, whichever way each is written (a datagram sent or received). */
    boolean sameEnds(Tuple o) {
        return o != null && (sip.equals(o.sip) && sport == o.sport && dip.equals(o.dip) && dport == o.dport
                || sip.equals(o.dip) && sport == o.dport && dip.equals(o.sip) && dport == o.sport);
    }

    static String text(byte[] a) {
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            return "";
        }
    }
}

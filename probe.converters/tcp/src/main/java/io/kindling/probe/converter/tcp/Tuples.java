package io.kindling.probe.converter.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Socket tuples: libsinsp's {@code PT_SOCKTUPLE} parameter (family byte, then source address and
 * port, destination address and port, ports in host order) and addresses as text the way sysdig
 * prints them (IPv4 dotted, IPv6 per RFC 5952: lower-case hex, longest run of two or more zero
 * groups as {@code ::}, IPv4-mapped and IPv4-compatible addresses with a dotted tail).
 */
final class Tuples {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    /** A parsed inet tuple; addresses in network order (4 or 16 bytes). */
    record Tuple(byte[] sip, int sport, byte[] dip, int dport) {
        String sipText() {
            return address(sip);
        }

        String dipText() {
            return address(dip);
        }

        @Override
        public String toString() {
            return address(sip) + ":" + sport + "->" + address(dip) + ":" + dport;
        }
    }

    private Tuples() {}

    /** The inet tuple in a {@code PT_SOCKTUPLE} value, or {@code null} for another family or length. */
    static Tuple parse(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int n = value[0] == AF_INET && value.length == 13 ? 4 : value[0] == AF_INET6 && value.length == 37 ? 16 : 0;
        if (n == 0) {
            return null;
        }
        byte[] sip = new byte[n];
        byte[] dip = new byte[n];
        b.position(1);
        b.get(sip);
        int sport = b.getShort() & 0xffff;
        b.get(dip);
        int dport = b.getShort() & 0xffff;
        return new Tuple(sip, sport, dip, dport);
    }

    static String address(byte[] a) {
        if (a == null) {
            return null;
        }
        if (a.length == 4) {
            return ipv4(a, 0);
        }
        if (a.length != 16) {
            return null;
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = (a[2 * i] & 0xff) << 8 | a[2 * i + 1] & 0xff;
        }
        ZeroRun run = ZeroRun.longest(w);
        int best = run.start();
        int bestLen = run.length();
        boolean dottedTail = best == 0 && (bestLen == 6 || bestLen == 5 && w[5] == 0xffff);
        StringBuilder s = new StringBuilder(40);
        int end = dottedTail ? 6 : 8;
        for (int i = 0; i < end; i++) {
            if (i == best) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(w[i]));
        }
        if (dottedTail) {
            if (s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(ipv4(a, 12));
        }
        return s.toString();
    }

    /** A run of zero words of an IPv6 address, written {@code ::} (RFC 5952); start -1: none. */
    private record ZeroRun(int start, int length) {
        /** The longest run of two or more zero words, the first of equal ones. */
        static ZeroRun longest(int[] w) {
            int best = -1;
            int bestLen = 0;
            for (int i = 0; i < w.length; ) {
                if (w[i] != 0) {
                    i++;
                    continue;
                }
                int j = i;
                while (j < w.length && w[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    best = i;
                    bestLen = j - i;
                }
                i = j;
            }
            return bestLen < 2 ? new ZeroRun(-1, bestLen) : new ZeroRun(best, bestLen);
        }
    }

    private static String ipv4(byte[] a, int from) {
        return (a[from] & 0xff) + "." + (a[from + 1] & 0xff) + "." + (a[from + 2] & 0xff) + "." + (a[from + 3] & 0xff);
    }
}

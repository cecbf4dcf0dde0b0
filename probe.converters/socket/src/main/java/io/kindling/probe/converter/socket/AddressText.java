package io.kindling.probe.converter.socket;

/**
 * IP addresses as text, the way sysdig prints them (glibc's {@code inet_ntop}): IPv4 dotted
 * decimal; IPv6 in lower-case hex groups without leading zeros, the longest run of two or more zero
 * groups (the first of equal runs) written as {@code "::"}, and IPv4-compatible
 * ({@code ::a.b.c.d}) and IPv4-mapped ({@code ::ffff:a.b.c.d}) addresses with a dotted tail.
 */
public final class AddressText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private AddressText() {}

    /**
     * The address in {@code bytes} (network order): 4 bytes are IPv4, 16 bytes IPv6; any other
     * length, an empty array included, is no address and gives {@code null}.
     */
    public static String format(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        return switch (bytes.length) {
            case 4 -> ipv4(bytes, 0, new StringBuilder(15)).toString();
            case 16 -> ipv6(bytes);
            default -> null;
        };
    }

    private static StringBuilder ipv4(byte[] b, int from, StringBuilder out) {
        return out.append(b[from] & 0xff).append('.').append(b[from + 1] & 0xff).append('.')
                .append(b[from + 2] & 0xff).append('.').append(b[from + 3] & 0xff);
    }

    private static String ipv6(byte[] b) {
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        // The longest run of zero words; a run of one is not compressed.
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && words[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        if (bestLength < 2) {
            bestStart = -1;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append(':');
                i += bestLength - 1;
                if (i == 7) {
                    out.append(':');
                }
                continue;
            }
            if (i > 0) {
                out.append(':');
            }
            boolean embeddedIpv4 = i == 6 && bestStart == 0
                    && (bestLength == 6 || bestLength == 5 && words[5] == 0xffff);
            if (embeddedIpv4) {
                ipv4(b, 12, out);
                break;
            }
            hex(words[i], out);
        }
        return out.toString();
    }

    private static void hex(int word, StringBuilder out) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = word >> shift & 0xf;
            if (digit != 0 || started || shift == 0) {
                out.append(HEX[digit]);
                started = true;
            }
        }
    }
}

package io.kindling.probe.inspector;

import java.util.Map;

/**
 * How a live capture reads: how many bytes of an I/O buffer it keeps (libsinsp's snaplen) and how big
 * the kernel's BPF ring buffer is.
 */
public record LiveSettings(int snaplen, int ringBytes) {
    public static final int DEFAULT_SNAPLEN = 80;
    public static final int DEFAULT_RING_BYTES = 8 << 20;
    public static final int MAX_SNAPLEN = 65000;
    public static final int MIN_RING_BYTES = 65536;
    public static final int MAX_RING_BYTES = 1 << 30;
    public static final LiveSettings DEFAULTS = new LiveSettings(DEFAULT_SNAPLEN, DEFAULT_RING_BYTES);

    /** The configuration properties they are read from. */
    static final String SNAPLEN = "live.snaplen";
    static final String RING_BYTES = "live.ring.bytes";

    /** A value that cannot be used: the message says which and why. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * The settings of a configuration's properties ({@value #SNAPLEN}, {@value #RING_BYTES}; an absent one
     * is the default). A snaplen outside 1 to {@value #MAX_SNAPLEN}, a ring size that is not a power of two
     * from {@value #MIN_RING_BYTES} to 1 GiB, or a value that is no whole number is refused, never adjusted.
     */
    public static LiveSettings of(Map<String, ?> properties) throws Refused {
        long snaplen = number(properties, SNAPLEN, DEFAULT_SNAPLEN);
        if (snaplen < 1 || snaplen > MAX_SNAPLEN) {
            throw new Refused(SNAPLEN + " is " + snaplen + ", it must be from 1 to " + MAX_SNAPLEN + " bytes");
        }
        long ring = number(properties, RING_BYTES, DEFAULT_RING_BYTES);
        if (ring < MIN_RING_BYTES || ring > MAX_RING_BYTES || Long.bitCount(ring) != 1) {
            throw new Refused(RING_BYTES + " is " + ring + ", it must be a power of two from " + MIN_RING_BYTES + " to "
                    + MAX_RING_BYTES + " bytes (for example " + DEFAULT_RING_BYTES + ")");
        }
        return new LiveSettings((int) snaplen, (int) ring);
    }

    private static long number(Map<String, ?> properties, String key, long fallback) throws Refused {
        Object v = properties.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n && (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)) {
            return n.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new Refused(key + " is '" + v + "', which is not a whole number");
        }
    }
}

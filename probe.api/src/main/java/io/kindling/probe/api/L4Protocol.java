package io.kindling.probe.api;

/** Transport protocol of a socket, with the Kindling probe's codes. */
public enum L4Protocol {
    UNKNOWN,
    TCP,
    UDP,
    ICMP,
    RAW;

    private static final L4Protocol[] VALUES = values();

    public static L4Protocol ofCode(int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : UNKNOWN;
    }

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The name used in JSON output, for example {@code syscall_exit} or {@code tcp}. */
    public String label() {
        return label;
    }
}

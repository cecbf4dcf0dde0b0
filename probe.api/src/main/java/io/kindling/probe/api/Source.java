package io.kindling.probe.api;

/** Where an event comes from, with the Kindling probe's codes. */
public enum Source {
    UNKNOWN,
    SYSCALL_ENTER,
    SYSCALL_EXIT,
    TRACEPOINT,
    KPROBE,
    KRETPROBE,
    UPROBE,
    URETPROBE;

    private static final Source[] VALUES = values();

    public int code() {
        return ordinal();
    }

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The name used in JSON output, for example {@code syscall_exit} or {@code tcp}. */
    public String label() {
        return label;
    }

    public static Source ofCode(int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : UNKNOWN;
    }
}
